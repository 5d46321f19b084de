"""A BERT-style encoder built from minigrad.nn, with Hugging Face's BertModel module names, so a `transformers`
state_dict loads unchanged (tests/test_layers_bert.py checks outputs and every gradient against BertModel).

    python examples/bert_model.py        # builds a small random BERT, runs a batch, prints shapes and a timing

Embeddings (word + position + token type, LayerNorm, dropout) -> N x [multi-head self-attention -> dense ->
residual LayerNorm -> GELU feed-forward -> residual LayerNorm] -> pooler (tanh of a dense layer on the first token).
"""
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # small matrices: one BLAS thread is fastest (docs/layers.md)

import math
import time
from dataclasses import dataclass

import numpy as np

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn


@dataclass
class BertConfig:
    vocab_size: int = 100
    hidden_size: int = 32
    num_hidden_layers: int = 2
    num_attention_heads: int = 4
    intermediate_size: int = 64
    max_position_embeddings: int = 64
    type_vocab_size: int = 2
    layer_norm_eps: float = 1e-12
    hidden_dropout_prob: float = 0.1
    attention_probs_dropout_prob: float = 0.1
    pad_token_id: int = 0


class BertEmbeddings(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.word_embeddings = nn.Embedding(cfg.vocab_size, cfg.hidden_size, padding_idx=cfg.pad_token_id)
        self.position_embeddings = nn.Embedding(cfg.max_position_embeddings, cfg.hidden_size)
        self.token_type_embeddings = nn.Embedding(cfg.type_vocab_size, cfg.hidden_size)
        self.LayerNorm = nn.LayerNorm(cfg.hidden_size, eps=cfg.layer_norm_eps)
        self.dropout = nn.Dropout(cfg.hidden_dropout_prob)

    def forward(self, input_ids, token_type_ids):
        positions = mg.tensor(np.arange(input_ids.shape[1]))
        h = self.word_embeddings(input_ids) + self.position_embeddings(positions) + \
            self.token_type_embeddings(token_type_ids)
        return self.dropout(self.LayerNorm(h))


class BertSelfAttention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.heads = cfg.num_attention_heads
        self.head_dim = cfg.hidden_size // cfg.num_attention_heads
        self.query = nn.Linear(cfg.hidden_size, cfg.hidden_size)
        self.key = nn.Linear(cfg.hidden_size, cfg.hidden_size)
        self.value = nn.Linear(cfg.hidden_size, cfg.hidden_size)
        self.dropout_p = cfg.attention_probs_dropout_prob

    def forward(self, h, mask):  # h: (N, T, H); mask: bool (N, 1, 1, T), True where a key takes part
        n, t, _ = h.shape

        def split(x):
            return x.reshape(n, t, self.heads, self.head_dim).transpose(1, 2)  # (N, heads, T, d)

        ctx = F.scaled_dot_product_attention(split(self.query(h)), split(self.key(h)), split(self.value(h)),
                                             attn_mask=mask, dropout_p=self.dropout_p if self.training else 0.0)
        return ctx.transpose(1, 2).reshape(n, t, self.heads * self.head_dim)


class BertSelfOutput(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.dense = nn.Linear(cfg.hidden_size, cfg.hidden_size)
        self.LayerNorm = nn.LayerNorm(cfg.hidden_size, eps=cfg.layer_norm_eps)
        self.dropout = nn.Dropout(cfg.hidden_dropout_prob)

    def forward(self, h, residual):
        return self.LayerNorm(self.dropout(self.dense(h)) + residual)


class BertAttention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.self = BertSelfAttention(cfg)
        self.output = BertSelfOutput(cfg)

    def forward(self, h, mask):
        return self.output(self.self(h, mask), h)


class BertIntermediate(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.dense = nn.Linear(cfg.hidden_size, cfg.intermediate_size)

    def forward(self, h):
        return F.gelu(self.dense(h))  # BERT's exact (erf) GELU


class BertOutput(BertSelfOutput):
    def __init__(self, cfg):
        nn.Module.__init__(self)
        self.dense = nn.Linear(cfg.intermediate_size, cfg.hidden_size)
        self.LayerNorm = nn.LayerNorm(cfg.hidden_size, eps=cfg.layer_norm_eps)
        self.dropout = nn.Dropout(cfg.hidden_dropout_prob)


class BertLayer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.attention = BertAttention(cfg)
        self.intermediate = BertIntermediate(cfg)
        self.output = BertOutput(cfg)

    def forward(self, h, mask):
        a = self.attention(h, mask)
        return self.output(self.intermediate(a), a)


class BertEncoder(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.layer = nn.ModuleList([BertLayer(cfg) for _ in range(cfg.num_hidden_layers)])

    def forward(self, h, mask):
        for layer in self.layer:
            h = layer(h, mask)
        return h


class BertPooler(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.dense = nn.Linear(cfg.hidden_size, cfg.hidden_size)

    def forward(self, h):
        return self.dense(h[:, 0]).tanh()


class BertModel(nn.Module):
    """forward(input_ids (N, T), attention_mask (N, T) of 1/0 or None, token_type_ids (N, T) or None) ->
    (last_hidden_state (N, T, H), pooler_output (N, H)), as transformers' BertModel."""

    def __init__(self, cfg):
        super().__init__()
        self.config = cfg
        self.embeddings = BertEmbeddings(cfg)
        self.encoder = BertEncoder(cfg)
        self.pooler = BertPooler(cfg)
        self.apply(self._init_weights)

    @staticmethod
    def _init_weights(m):  # BERT's init: N(0, 0.02) weights, zero biases, unit LayerNorm
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, 0.0, 0.02)
            if isinstance(m, nn.Linear) and m.bias is not None:
                nn.init.zeros_(m.bias)
            if isinstance(m, nn.Embedding) and m.padding_idx is not None:
                m.weight.data[m.padding_idx] = 0

    def forward(self, input_ids, attention_mask=None, token_type_ids=None):
        if token_type_ids is None:
            token_type_ids = mg.zeros(*input_ids.shape, dtype=mg.int64)
        mask = None
        if attention_mask is not None:
            n, t = attention_mask.shape
            mask = mg.tensor(np.asarray(attention_mask.numpy() if hasattr(attention_mask, "numpy") else
                                        attention_mask).astype(bool).reshape(n, 1, 1, t))
        h = self.encoder(self.embeddings(input_ids, token_type_ids), mask)
        return h, self.pooler(h)


def main():
    cfg = BertConfig(vocab_size=1000, hidden_size=128, num_hidden_layers=4, num_attention_heads=4,
                     intermediate_size=512, max_position_embeddings=128)
    mg.manual_seed(0)
    model = BertModel(cfg)
    rng = np.random.default_rng(0)
    ids = mg.tensor(rng.integers(1, cfg.vocab_size, (8, 64)))
    mask = np.ones((8, 64), dtype=np.int64)
    mask[:, 48:] = 0
    t0 = time.perf_counter()
    h, pooled = model(ids, mg.tensor(mask))
    (h.sum() + pooled.sum()).backward()
    n_params = sum(p.numel() for p in model.parameters())
    print(f"BERT {cfg.num_hidden_layers} layers, hidden {cfg.hidden_size}, {n_params} parameters: "
          f"last_hidden_state {tuple(h.shape)}, pooler_output {tuple(pooled.shape)}, forward+backward "
          f"{time.perf_counter() - t0:.2f} s; mean |grad| of the word embeddings "
          f"{float(np.abs(model.embeddings.word_embeddings.weight.grad.data).mean()):.2e}")
    print(f"head dim {cfg.hidden_size // cfg.num_attention_heads}, scale 1/sqrt(d) = "
          f"{1 / math.sqrt(cfg.hidden_size // cfg.num_attention_heads):.4f}")


if __name__ == "__main__":
    main()
