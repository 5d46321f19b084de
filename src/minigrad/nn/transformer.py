"""Transformer encoder and decoder layers, their stacks and the full Transformer (post-norm or pre-norm, relu or
gelu), with torch's module names so state_dicts load."""
import copy

from ..creation import full
from ..tensor import Tensor
from . import functional as F
from . import init
from .attention import MultiheadAttention
from .dropout import Dropout
from .linear import Linear
from .containers import ModuleList
from .module import Module
from .normalization import LayerNorm


def _activation(activation):
    if callable(activation):
        return activation
    if activation == "relu":
        return F.relu
    if activation == "gelu":
        return F.gelu
    raise RuntimeError(f"TransformerEncoderLayer: activation should be relu/gelu, not {activation}")


class TransformerEncoderLayer(Module):
    """Self-attention then a feed-forward block, each with dropout, a residual connection and LayerNorm (after
    the block, or before it with norm_first=True). Matches torch.nn.TransformerEncoderLayer (the eval fast path is
    the same math, except that torch's gives NaN for a sequence whose keys are all padding, where its training
    path and minigrad give finite values).

    >>> import minigrad
    >>> TransformerEncoderLayer(16, 4, 32, batch_first=True)(minigrad.randn(2, 5, 16)).shape
    (2, 5, 16)
    """

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation="relu", layer_norm_eps=1e-5,
                 batch_first=False, norm_first=False, bias=True, device=None, dtype=None):
        super().__init__()
        kw = {"device": device, "dtype": dtype}
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first, **kw)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **kw)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **kw)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.activation = _activation(activation)
        self.batch_first = batch_first

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask, need_weights=False,
                           is_causal=is_causal)[0]
        return self.dropout1(x)

    def _ff_block(self, x):
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            return x + self._ff_block(self.norm2(x))
        x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
        return self.norm2(x + self._ff_block(x))


class TransformerEncoder(Module):
    """A stack of num_layers copies of encoder_layer, then an optional norm. Matches torch.nn.TransformerEncoder
    (without the nested-tensor fast path: padded positions are computed like the others)."""

    def __init__(self, encoder_layer, num_layers, norm=None, enable_nested_tensor=True, mask_check=True):
        super().__init__()
        self.layers = ModuleList([copy.deepcopy(encoder_layer) for _ in range(num_layers)])
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, src, mask=None, src_key_padding_mask=None, is_causal=None):
        x = src
        for layer in self.layers:
            x = layer(x, src_mask=mask, src_key_padding_mask=src_key_padding_mask, is_causal=bool(is_causal))
        return x if self.norm is None else self.norm(x)


class TransformerDecoderLayer(TransformerEncoderLayer):
    """Self-attention over tgt, attention from tgt to memory, then a feed-forward block, each with dropout, a
    residual connection and LayerNorm (after the block, or before it with norm_first=True). Matches
    torch.nn.TransformerDecoderLayer.

    >>> import minigrad
    >>> TransformerDecoderLayer(16, 4, 32)(minigrad.randn(5, 2, 16), minigrad.randn(7, 2, 16)).shape
    (5, 2, 16)
    """

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation="relu", layer_norm_eps=1e-5,
                 batch_first=False, norm_first=False, bias=True, device=None, dtype=None):
        super().__init__(d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps, batch_first,
                         norm_first, bias, device, dtype)
        kw = {"device": device, "dtype": dtype}
        self.multihead_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first,
                                                 **kw)
        self.norm3 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.dropout3 = Dropout(dropout)
        for k in ("multihead_attn", "linear1", "dropout", "linear2", "norm1", "norm2", "norm3", "dropout1",
                  "dropout2", "dropout3"):  # torch's order of the state_dict keys
            self._modules[k] = self._modules.pop(k)

    def _mha_block(self, x, mem, attn_mask, key_padding_mask, is_causal):
        x = self.multihead_attn(x, mem, mem, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                                need_weights=False, is_causal=is_causal)[0]
        return self.dropout2(x)

    def _ff_block(self, x):
        return self.dropout3(self.linear2(self.dropout(self.activation(self.linear1(x)))))

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=False, memory_is_causal=False):
        x = tgt
        blocks = (lambda y: self._sa_block(y, tgt_mask, tgt_key_padding_mask, tgt_is_causal),
                  lambda y: self._mha_block(y, memory, memory_mask, memory_key_padding_mask, memory_is_causal),
                  self._ff_block)
        for block, norm in zip(blocks, (self.norm1, self.norm2, self.norm3)):
            x = x + block(norm(x)) if self.norm_first else norm(x + block(x))
        return x


class TransformerDecoder(Module):
    """A stack of num_layers copies of decoder_layer, then an optional norm. Matches torch.nn.TransformerDecoder."""

    def __init__(self, decoder_layer, num_layers, norm=None):
        super().__init__()
        self.layers = ModuleList([copy.deepcopy(decoder_layer) for _ in range(num_layers)])
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=None, memory_is_causal=False):
        x = tgt
        for layer in self.layers:
            x = layer(x, memory, tgt_mask, memory_mask, tgt_key_padding_mask, memory_key_padding_mask,
                      bool(tgt_is_causal), memory_is_causal)
        return x if self.norm is None else self.norm(x)


class Transformer(Module):
    """An encoder stack over src and a decoder stack over tgt that attends to the encoder's output, each ending in
    a LayerNorm; src: (S, N, E), tgt: (T, N, E) (batch first with batch_first=True, or unbatched); returns
    (T, N, E). Weights with more than one dimension start xavier_uniform_. Matches torch.nn.Transformer.

    >>> import minigrad
    >>> Transformer(16, 4, 2, 2, 32)(minigrad.randn(6, 2, 16), minigrad.randn(5, 2, 16)).shape
    (5, 2, 16)
    """

    def __init__(self, d_model=512, nhead=8, num_encoder_layers=6, num_decoder_layers=6, dim_feedforward=2048,
                 dropout=0.1, activation="relu", custom_encoder=None, custom_decoder=None, layer_norm_eps=1e-5,
                 batch_first=False, norm_first=False, bias=True, device=None, dtype=None):
        super().__init__()
        kw = {"device": device, "dtype": dtype}
        layer = {"dim_feedforward": dim_feedforward, "dropout": dropout, "activation": activation,
                 "layer_norm_eps": layer_norm_eps, "batch_first": batch_first, "norm_first": norm_first,
                 "bias": bias, **kw}
        self.encoder = custom_encoder or TransformerEncoder(TransformerEncoderLayer(d_model, nhead, **layer),
                                                            num_encoder_layers, LayerNorm(d_model, layer_norm_eps,
                                                                                          bias=bias, **kw))
        self.decoder = custom_decoder or TransformerDecoder(TransformerDecoderLayer(d_model, nhead, **layer),
                                                            num_decoder_layers, LayerNorm(d_model, layer_norm_eps,
                                                                                          bias=bias, **kw))
        for p in self.parameters():
            if p.ndim > 1:
                init.xavier_uniform_(p)
        self.d_model, self.nhead, self.batch_first = d_model, nhead, batch_first

    def forward(self, src, tgt, src_mask=None, tgt_mask=None, memory_mask=None, src_key_padding_mask=None,
                tgt_key_padding_mask=None, memory_key_padding_mask=None, src_is_causal=None, tgt_is_causal=None,
                memory_is_causal=False):
        b = 0 if self.batch_first else 1
        if src.ndim == 3 and tgt.ndim == 3 and src.shape[b] != tgt.shape[b]:
            raise RuntimeError(f"Transformer: the batch sizes of src {tuple(src.shape)} and tgt {tuple(tgt.shape)} "
                               "must be equal")
        if src.shape[-1] != self.d_model or tgt.shape[-1] != self.d_model:
            raise RuntimeError(f"Transformer: the feature sizes of src {tuple(src.shape)} and tgt {tuple(tgt.shape)} "
                               f"must equal d_model={self.d_model}")
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask, is_causal=src_is_causal)
        return self.decoder(tgt, memory, tgt_mask, memory_mask, tgt_key_padding_mask, memory_key_padding_mask,
                            tgt_is_causal, memory_is_causal)

    @staticmethod
    def generate_square_subsequent_mask(sz, device=None, dtype=None):
        """(sz, sz) float mask: -inf above the diagonal (a position may not attend to later ones), 0 elsewhere."""
        mask = full((sz, sz), float("-inf"), device=device, dtype=dtype)
        return Tensor._wrap(mask._device.xp.triu(mask.data, 1), mask._device)
