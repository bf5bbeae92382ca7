"""The Textual app: the whole inspection and self-assessment flow at the keyboard.

Screens (`screens/`), widgets (`widgets/`) and styles (`*.tcss`) are kept apart; everything
talks to the core through `Workflow` and the engines, never to the store's files.
"""
