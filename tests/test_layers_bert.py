"""A BERT encoder built from minigrad.nn (examples/bert_model.py) against Hugging Face transformers' BertModel,
built from a small random config (nothing downloaded) with the same weights: outputs and the gradient of every
parameter agree to 1e-5 in float32. Needs the `transformers` test extra."""
import os
import sys

import numpy as np
import torch
import transformers

import minigrad as mg

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples"))
import bert_model


def test_bert_matches_transformers_bertmodel():
    torch.manual_seed(0)
    hf_cfg = transformers.BertConfig(vocab_size=50, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                                     intermediate_size=64, max_position_embeddings=16, type_vocab_size=2,
                                     hidden_act="gelu", attn_implementation="eager")
    hf = transformers.BertModel(hf_cfg).eval()
    cfg = bert_model.BertConfig(vocab_size=50, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                                intermediate_size=64, max_position_embeddings=16, type_vocab_size=2)
    model = bert_model.BertModel(cfg).eval()
    state = {k: v.detach().numpy() for k, v in hf.state_dict().items() if k != "embeddings.position_ids"}
    result = model.load_state_dict(state)
    assert not result.missing_keys and not result.unexpected_keys

    rng = np.random.default_rng(0)
    ids = rng.integers(1, 50, (3, 10))
    types = rng.integers(0, 2, (3, 10))
    mask = np.ones((3, 10), dtype=np.int64)
    mask[1, 7:] = 0
    mask[2, 4:] = 0
    out = hf(input_ids=torch.tensor(ids), attention_mask=torch.tensor(mask), token_type_ids=torch.tensor(types))
    h, pooled = model(mg.tensor(ids), mg.tensor(mask), mg.tensor(types))
    np.testing.assert_allclose(h.numpy(), out.last_hidden_state.detach().numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(pooled.numpy(), out.pooler_output.detach().numpy(), rtol=1e-5, atol=1e-5)

    gh = rng.standard_normal(h.shape).astype(np.float32)
    gp = rng.standard_normal(pooled.shape).astype(np.float32)
    torch.autograd.backward([out.last_hidden_state, out.pooler_output], [torch.tensor(gh), torch.tensor(gp)])
    ((h * mg.tensor(gh)).sum() + (pooled * mg.tensor(gp)).sum()).backward()
    hf_params = dict(hf.named_parameters())
    names = [n for n, _ in model.named_parameters()]
    assert sorted(names) == sorted(hf_params)
    for name, p in model.named_parameters():
        want = hf_params[name].grad.numpy()
        np.testing.assert_allclose(p.grad.numpy(), want, rtol=1e-5, atol=1e-5 * max(1.0, float(np.abs(want).max())),
                                   err_msg=f"gradient of {name}")
