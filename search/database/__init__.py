"""The embedded search engine: the database's own full-text search over ``search_documents``.

SQLite answers with FTS5 (``search_fts``), PostgreSQL with ``tsquery`` against generated vectors
(``tsv``, ``tsv_body``, ``tsv_aux``; migration 0005). Both read the same word-segmented, normalised
text that ``index_db`` writes, so a query matches the same way on both.

How one query word matches an app (any of):

- any of its alternatives (itself, its synonyms, the terms of a thesaurus need), segmented as the
  documents are, as a phrase in the name, English name, tags, summary or description;
- its Han characters (two or more) as a phrase of unigrams (a word jieba cut differently there);
- the pinyin syllables of its space-separated piece of the query, or of the whole query, as a
  phrase: a homophone typed by a pinyin input method (社宝卡 → 社保卡, 低保申情 → 低保申请), or
  pinyin typed with spaces (yue sheng shi);
- typed in Latin letters: a pinyin form of the name or a tag, whole (yss, yueshengshi), or, for
  the last word, as a prefix of one or of an English name word (yues, collab).

Relaxation, as Meilisearch's ``matchingStrategy: last``: an app's level is the longest prefix of
the query's words it matches, and the first word is required. Results are ordered by level,
then, for the relevance sort, by where the words are — name, tags, summary, elsewhere, like
Meilisearch's attribute rule —, then by reuse (live adoptions), then by text relevance in the
name (FTS5 ``bm25`` with column weights, PostgreSQL ``ts_rank``), then newest first. The other
sorts keep the level first, so fuller matches stay above partial ones. The dropped words are
those the best hit lacks (``relaxation.dropped_words``).

User text never becomes SQL or match syntax: every value is a bound parameter, and every token in
a match expression is letters and digits only, quoted.

One statement answers a search (``_engine``): the matching apps once (a CTE), the page, the facet
counts (``GROUP BY`` over the matches' columns and their ``search_facets`` rows) and the total; a
second reads the page's documents. ``_terms`` turns a word into what it matches; ``_sqlite`` and
``_postgres`` turn that into each database's query.
"""

from ._engine import DatabaseEngine
from ._postgres import tsqueries
from ._sqlite import fts5_expression
from ._terms import Terms, typing_terms, word_terms

__all__ = ["DatabaseEngine", "Terms", "fts5_expression", "tsqueries", "typing_terms", "word_terms"]
