"""A tiny randomly initialised Llama with the embedded model's tokenizer, for tests and CI.

Hidden size 64, 2 layers, about 3.2M parameters: it writes nonsense, fast (a GRPO step in about 2 s on
two CPU cores), which is what a test of the training machinery needs. The tokenizer is SmolLM2's, read
offline from the embedded GGUF, so prompts and chat templates are the real ones.
"""

from __future__ import annotations

import os
from pathlib import Path

from agents.llm.embedded import EMBEDDED_GGUF_FILE, embedded_model_dir

TINY_CONTEXT = 2048


def tiny_model_save(directory: Path, *, seed: int = 0) -> Path:
    """Write the tiny model and the SmolLM2 tokenizer into ``directory`` (created); return it."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    tokenizer = AutoTokenizer.from_pretrained(
        str(embedded_model_dir()), gguf_file=EMBEDDED_GGUF_FILE, local_files_only=True
    )
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=TINY_CONTEXT,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id,
        tie_word_embeddings=True,
    )
    torch.manual_seed(seed)
    directory.mkdir(parents=True, exist_ok=True)
    LlamaForCausalLM(config).save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory
