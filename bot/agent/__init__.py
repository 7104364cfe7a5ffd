"""The call-centre console (`python -m bot agent`): the assistant as an agent's script.

An agent on the toll-free line 199099 types what the caller says; the console runs the
same Rasa dialogue as every other channel (the model loaded in this process, the action
server as a child process) and shows what to say next, the choices as numbers, and a
panel with the report type, the eligibility conditions and the fields collected so far.

* `console.py`: the loop, the commands and the screen layout;
* `runtime.py`: the Rasa agent and the action server underneath;
* `display.py`: Arabic for terminals that cannot shape or reorder it (pure);
* `panel.py`: the side panel, built from the tracker's slots (pure; its words are the
  text catalogue's `panel.*`, bot.texts);
* `lookup.py`: a report's status and history, to read to the caller (pure);
* `faq.py`: searching the domain's answers (pure);
* `calls.py`: agent ids and the sender ids of calls (pure).
"""
