"""LLM backends behind one Protocol: in-process llama.cpp and transformers, OpenAI-compatible servers, vLLM, replay."""
