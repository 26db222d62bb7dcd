"""粤复用 — Guangdong's marketplace of reusable government applications."""
