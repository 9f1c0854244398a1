"""LLM backends behind one Protocol: in-process transformers, OpenAI-compatible servers, vLLM, replay."""
