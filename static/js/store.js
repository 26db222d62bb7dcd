// Progressive enhancements only: every page works without this file.
document.addEventListener("submit", (event) => {
  const form = event.target;
  const question = form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
}, true);

// The header search box's suggestions (templates/base.html): arrow keys move between the box and
// the suggested links, Escape closes the list, a click elsewhere too. Enter submits the form.
(() => {
  const links = () => Array.from(document.querySelectorAll("#site-search-suggestions a"));
  const close = () => {
    const list = document.getElementById("site-search-suggestions");
    if (list) list.replaceChildren();
  };
  document.addEventListener("keydown", (event) => {
    const input = document.getElementById("site-search");
    const form = document.getElementById("site-search-form");
    if (!input || !form || !form.contains(event.target)) return;
    const items = links();
    const at = items.indexOf(document.activeElement);
    if (event.key === "ArrowDown" && items.length) {
      event.preventDefault();
      items[Math.min(at + 1, items.length - 1)].focus();
    } else if (event.key === "ArrowUp" && at >= 0) {
      event.preventDefault();
      (at === 0 ? input : items[at - 1]).focus();
    } else if (event.key === "Escape" && items.length) {
      close();
      input.focus();
    }
  });
  document.addEventListener("click", (event) => {
    const form = document.getElementById("site-search-form");
    if (form && !form.contains(event.target)) close();
  });
})();
