"""Reply drafts in the standard wording (标准话术): every routed post gets a ready, checked reply.

Modules: ``templates`` (data/replies.yaml: the wording per route and topic, slots, validation),
``checks`` (≤ 140 characters, no unmasked PII, no forbidden promise, the DM where the route
needs one), ``index`` (the best real STC-3 helpdesk replies, retrieved with BM25), ``quality``
(the STC-3 dialogue-quality model that ranks and flags replies), ``team`` (accepted replies as
label-store events), ``drafts`` (all of it for a table of routed posts). Import them directly;
this package imports nothing heavy.
"""
