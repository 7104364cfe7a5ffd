"""The domain of report intake, in plain Python: no Rasa, no SQL, no network.

It owns what the official guide decides: the four report types and their eligibility
(`eligibility`), working days and holidays (`workdays`), the dialogue spec
(`dialogue_spec`: every form's slots, in order, and how each is asked), the catalogue of
platforms and services (`catalogue`), the parsers of answers, dates, IDs and mobiles
(`answers`, `dates`, `personal`), the facts a message volunteers and the corrections it
makes (`volunteered`, `corrections`), the order of the forms' questions (`flow`),
conversation repair (`repair`, `clarify`), attachments, the summary and filing. The words
it shows (status names, summary values, buttons) are in the text catalogue, `bot.texts`.
It may import `bot.texts`, `bot.nlu.normalise`, `bot.digits`, `bot.clock`,
`bot.runtime.settings` and `bot.store` (filing, status, requests, attachments, one-time
codes, and the report reference, `bot.store.reference`); the actions, channels, console
and notifications import it, never the other way round. Most unit tests live in
tests/unit/intake/.
"""
