"""Custom Rasa NLU graph components, named in config.yml.

It owns how a message is read: Arabic normalisation and language tagging (`components`,
`normalise`, `language`), the linear intent classifier and FAQ selector (`linear_intents`,
`faq_selector`, no TensorFlow), and the guards after them (`unknown_words`,
`restart_guard`, `switch_marker`, `greetings`, `reranking`). It may import Rasa's NLU
interfaces, scikit-learn and `bot.digits`; nothing here imports `bot.intake`, the store or
the channels.
"""
