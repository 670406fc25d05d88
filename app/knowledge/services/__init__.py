"""The procurement FAQ: a knowledge base that grows from the answers given in Live Chat.

Public API (what Live Chat and the agents' console call), in the modules of this package:

``faq_entries.propose(question: str, answer: str, *, source_kind: str, source_ref: str | None, proposed_by_id: int,
topic: str | None = None, source_label: str | None = None) -> FaqEntry``
    Creates the entry (status ``in_review``) and starts its review (``workflows/faq_review.bpmn``): a task in the
    inbox of the ``chat_supervisor`` role. ``source_kind`` is ``"chat"`` (``source_ref``: the chat message's id,
    required) or ``"manual"`` (``source_ref`` may be None); ``source_label`` is what staff read about the source
    ("แชต #123 ข้อความ #456"); without one, a label is made from the kind and the reference. The proposer must be
    an active staff member holding ``chat_agent`` or ``chat_supervisor`` at the knowledge base's agency. One
    source is proposed once: a second proposal of the same ``(source_kind, source_ref)`` raises
    ``AlreadyProposed`` (its ``entry_id`` names the first). Bad text raises ``InvalidEntry`` (``field``,
    ``message``). Flushes, never commits: the caller commits (or rolls back on a ``KnowledgeError``).

``faq_search.suggest(text: str, limit: int = 5) -> list[Suggestion]``
    Published entries close to what someone is typing (a visitor before queuing, an agent answering), best
    first. ``Suggestion`` has ``id``, ``question``, ``excerpt`` (the answer's beginning, plain text), ``topic``
    and ``url`` (the entry's public path, ``/faq/<id>``). Two queries, whatever the FAQ's size. Values are plain
    text: whoever shows them escapes them (``textContent``, Jinja's autoescape).

``GET /faq/suggest?q=...`` (``app.knowledge.views``)
    The same as JSON for the browser: ``{"query": ..., "suggestions": [{"id", "question", "excerpt", "topic",
    "url"}]}``; public, rate-limited per address through the shared limiter (``RATELIMIT_FAQ_SUGGEST``).

Search is the public manuals' one (``app.public.services.public_index.normalise``, ``public_search.terms_of``): Thai is
not split into words; text is normalised (NFC, invisible word-break marks removed, case-folded) and looked up by
substring, all terms required, on both databases. ``suggest`` compares a whole typed question (Thai, without
spaces) with the published questions the same way, by its character trigrams (those the trigram indexes use),
each weighted by how rare it is among them: "ต้องทำอย่างไร" in every question counts for little,
"หลักประกันสัญญา" for much; a word or two that only an answer holds are looked up as the search does.

Lifecycle: proposed (in review) → approved (published) | returned to the proposer (draft; they edit and
resubmit, or give up) | rejected. A published entry changes only through a new review (``edit``), and may be
withdrawn (``withdraw``, with a reason). Every step is in the engine's audit log (``object_type="faq_entry"``).
"""
