"""Where one encoder forward spends its time: the bundled model, one window alone (what
batch-invariant serving runs) vs a batch of 32, then the torch profiler's top operators.

    python -m bench.profile_encoder [--tokens 40] [--threads 1]
"""

from __future__ import annotations

import argparse
import time

import torch


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tokens", type=int, default=40)
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    from nlp.models.artifact import load_default_model

    m = load_default_model(overrides={"encoder_workers": 1, "num_threads": a.threads})
    if m is None:
        raise SystemExit("no bundled model artifact")
    enc = m.encoder
    one = torch.randint(5, 200_000, (1, a.tokens))
    many = torch.randint(5, 200_000, (32, a.tokens))
    with torch.inference_mode():
        for _ in range(5):
            enc(input_ids=one, attention_mask=torch.ones_like(one))
        t = time.perf_counter()
        for _ in range(50):
            enc(input_ids=one, attention_mask=torch.ones_like(one))
        single = (time.perf_counter() - t) / 50 * 1000
        enc(input_ids=many, attention_mask=torch.ones_like(many))
        t = time.perf_counter()
        for _ in range(5):
            enc(input_ids=many, attention_mask=torch.ones_like(many))
        batched = (time.perf_counter() - t) / 5 * 1000
        print(
            f"RESULT window_alone_ms={single:.1f} ms\n"
            f"RESULT window_in_batch32_ms={batched / 32:.1f} ms\n"
            f"# {m.info['quantization']}, {a.threads} thread(s), {a.tokens} tokens"
        )
        from torch.profiler import ProfilerActivity, profile

        with profile(activities=[ProfilerActivity.CPU]) as prof:
            for _ in range(20):
                enc(input_ids=one, attention_mask=torch.ones_like(one))
    print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=10))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
