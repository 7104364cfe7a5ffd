"""Everything about processes: settings, start-up, supervision, and Rasa's extensions.

What a process needs that is not the domain's business lives here: the settings every
process reads from the environment (`settings`), `make run`'s supervisor (`serve`) and the
cluster of several servers (`cluster`), the Rasa server's entry point with its measured
changes (`rasa_server`, `rasa_tuning`, `graph_runner`) and without TensorFlow when the
model needs none (`no_tensorflow`), the action server's entry point with its
shared-secret check (`action_server`), the scheduler (`jobs`), model training (`model`),
the Redis lock store (`lockstore`), log masking (`logmask`), the response NLG class (`nlg`),
secrets and file modes (`secrets`), and the running assistant as a child process for tests
and benchmarks (`process`, `scripted_user`).

Only `settings` (and `logmask`, `secrets`) may be imported by the rooms above it (intake,
store, nlu, channels, agent, notify, actions); the process modules import them, never the
other way round.
"""
