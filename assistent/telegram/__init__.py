"""The Telegram channel: the only package that imports ``telegram``.

``app`` wires and runs the bot, ``handlers`` holds the callbacks, ``keyboards`` the callback-data
grammar and ``state`` the typed bot and user state.
"""
