"""GRPO training of the Observer: rewards, dataset rows and the TRL trainer. Pure: no Django.

The package runs on a GPU box without the platform: it needs ``agents.roles`` and ``agents.sim`` (pure
Python) and the training stack (torch, transformers, trl, peft, datasets, accelerate), nothing else.
``trainer`` imports the heavy stack lazily, so ``rewards`` and ``dataset`` load in milliseconds.
"""
