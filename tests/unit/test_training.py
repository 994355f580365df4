"""Training smoke test (detoxify's habit): two batches on tiny fixtures with a tiny random
BertModel, then calibration, export, reload and evaluate's JSON lines: seconds, no real model."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from training import calibrate as cal
from training.sampler import TemperatureSampler

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "training" / "data"


def tiny_cfg() -> dict:
    return {
        "name": "tiny",
        "version": "0.0.1",
        "seed": 3,
        "split_seed": 13,
        "base_source": "tiny-random",
        "text_prefix": "",
        "max_length": 24,
        "batch_size": 4,
        "bf16": True,
        "threads": 1,
        "lora": {"r": 2, "alpha": 4, "dropout": 0.0, "target_modules": ["query", "value"]},
        "optim": {"lr_adapters": 1e-3, "lr_heads": 1e-2, "max_steps": 2, "pct_start": 0.5},
        "checkpoint_every": 1,
        "datasets": ["tweeteval_emotion", "goemotions", "scamspot", "tweepfake"],
        "sampling": {"temperature": 2.0},
        "eval": {"max_val_rows": 0, "batch_size": 8},
    }


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict]:
    from training.train import train

    tmp = tmp_path_factory.mktemp("train")
    cfg = tiny_cfg()
    art = train(cfg, FIX, tmp / "run", tmp / "artifacts", resume=False)
    return art, tmp / "run", cfg


def test_training_two_batches_writes_artifact_and_checkpoint(
    trained: tuple[Path, Path, dict],
) -> None:
    art, run, _ = trained
    ck = torch.load(run / "checkpoint.pt", weights_only=False)
    assert ck["step"] == 2 and ck["done"]
    assert (art / "weights.safetensors").is_file() and (art / "MODEL_CARD.md").is_file()
    meta = json.loads((art / "model_meta.json").read_text())
    assert set(meta["config"]["heads"]) == {"emotion", "spam", "machine"}
    assert meta["config"]["heads"]["emotion"]["labels"][0] == "anger"
    assert meta["training_run"]["steps"] == 2
    assert all(len(h) == 64 for h in meta["data_hashes"].values())
    assert {"emotion", "spam", "machine", "emotion/tweeteval", "emotion/ekman"} <= set(
        meta["calibration"]
    )
    for c in meta["calibration_detail"]["heads"].values():
        assert c["temperature"] > 0 and 0 <= c["ece_after"] <= 1
    assert "torch" in meta["library_versions"] and meta["training"]["seed"] == 3
    assert (
        meta["datasets"]["scamspot"]["trained_on"]
        and "MIT" in meta["datasets"]["scamspot"]["licence"]
    )


def test_training_resumes_from_checkpoint(trained: tuple[Path, Path, dict], tmp_path: Path) -> None:
    from training.train import train

    _, run, cfg = trained
    cfg = dict(cfg)
    cfg["optim"] = dict(cfg["optim"], max_steps=3)  # another config: refused, not silently mixed
    with pytest.raises(SystemExit):
        train(cfg, FIX, run, tmp_path / "a", resume=True)


def _tiny_base(art: Path, seed: int) -> tuple:
    from nlp.models.artifact import read_meta
    from training.model import tiny_encoder
    from training.train import load_data

    meta = read_meta(art)
    train_sets, _ = load_data(meta["training"], FIX)
    texts = [t for td in train_sets.values() for t in td.splits["train"][0][:200]]
    return tiny_encoder(texts, seed=seed)


def test_evaluate_prints_json_lines(trained: tuple[Path, Path, dict]) -> None:
    from training.evaluate import Evaluator

    art, _, cfg = trained
    ev = Evaluator(art, FIX, "test", base=_tiny_base(art, cfg["seed"]))
    rows = list(ev.run("tweeteval_emotion")) + list(ev.run("scamspot")) + list(ev.run("goemotions"))
    for r in rows:
        assert set(r) == {"task", "dataset", "split", "metric", "value"}
        json.loads(json.dumps(r))
        assert r["split"] == "test"
    names = {(r["task"], r["metric"]) for r in rows}
    assert ("tweeteval_emotion", "macro_f1") in names and ("scamspot", "f1") in names
    assert ("goemotions", "macro_f1") in names and ("scamspot", "ece_calibrated") in names


def test_evaluate_cli_json_lines_and_card_update(
    trained: tuple[Path, Path, dict],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import training.evaluate as E

    art, _, cfg = trained
    base = _tiny_base(art, cfg["seed"])
    orig = E.Evaluator

    def with_tiny_base(*a: object, **k: object) -> object:
        k["base"] = base
        return orig(*a, **k)  # type: ignore[arg-type]

    monkeypatch.setattr(E, "Evaluator", with_tiny_base)
    rc = E.main(
        [
            "--task",
            "tweepfake",
            "--split",
            "test",
            "--data-dir",
            str(FIX),
            "--artifact",
            str(art),
            "--update",
        ]
    )
    assert rc == 0
    lines = [ln for ln in capsys.readouterr().out.splitlines() if ln.strip()]
    rows = [json.loads(ln) for ln in lines]
    assert rows and all(r["task"] == "tweepfake" and r["split"] == "test" for r in rows)
    assert {"accuracy", "macro_f1", "ece_calibrated"} <= {r["metric"] for r in rows}
    assert "| tweepfake | tweepfake | test | accuracy |" in (art / "MODEL_CARD.md").read_text()


def test_artifact_refuses_other_base_hash(trained: tuple[Path, Path, dict]) -> None:
    from nlp.errors import ModelArtifactError
    from nlp.models.artifact import load_artifact

    art, _, cfg = trained
    enc, tok, info = _tiny_base(art, cfg["seed"])
    with pytest.raises(ModelArtifactError):
        load_artifact(art, base=(enc, tok, dict(info, sha256="1" * 64)))


def test_sampler_temperature_and_resume() -> None:
    s = TemperatureSampler({"a": 100, "b": 10000}, batch_size=8, temperature=2.0, seed=1)
    assert s.probs["b"] / s.probs["a"] == pytest.approx(10.0)
    uni = TemperatureSampler({"a": 100, "b": 10000}, batch_size=8, temperature=1e9, seed=1)
    assert uni.probs["a"] == pytest.approx(0.5, abs=1e-3)
    for _ in range(5):
        s.next_batch()
    state = s.state_dict()
    nxt = [s.next_batch() for _ in range(5)]
    s2 = TemperatureSampler({"a": 100, "b": 10000}, batch_size=8, temperature=2.0, seed=99)
    s2.load_state_dict(state)
    assert [s2.next_batch() for _ in range(5)] == nxt


def test_temperature_scaling_reduces_ece_of_overconfident_logits() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 2000)
    z = rng.normal(size=(2000, 3))
    z[np.arange(2000), y] += 1.0
    z *= 4.0  # over-confident
    t = cal.fit_temperature([(z, y, "single")])
    assert t > 2.0
    assert cal.ece(cal.probs_of(z, "single", t), y, "single") < cal.ece(
        cal.probs_of(z, "single"), y, "single"
    )


def test_probe_embeds_fits_and_exports_a_servable_artifact(tmp_path: Path) -> None:
    """The frozen-encoder fallback: shards of pooled vectors -> heads -> artifact that the
    model engineer's loader serves with the same predictions, batch == one-by-one."""
    from nlp.models.artifact import load_artifact
    from training.model import tiny_encoder
    from training.probe import embed_shard, fit
    from training.train import load_data

    cfg = tiny_cfg()
    cfg.update(
        name="tinyprobe",
        lora=None,
        datasets=["tweeteval_emotion", "scamspot"],
        probe={"weight_decays": [1e-3], "epochs": 30, "train_caps": {"scamspot": 20}},
        eval={"max_val_rows": 0, "batch_size": 8, "quantization": "fp32"},
    )
    train_sets, _ = load_data(cfg, FIX)
    cfg["_tiny_texts"] = [t for td in train_sets.values() for t in td.splits["train"][0][:200]]
    feat = tmp_path / "features"
    feat.mkdir()
    for shard in range(2):
        embed_shard(cfg, FIX, shard, 2, feat)
    art = fit(cfg, FIX, feat, tmp_path / "artifacts")
    meta = json.loads((art / "model_meta.json").read_text())
    assert meta["config"]["lora"] is None and set(meta["config"]["heads"]) == {"emotion", "spam"}
    assert meta["training_run"]["train_rows_per_set"]["scamspot"] == 20
    base = tiny_encoder(cfg["_tiny_texts"], seed=cfg["seed"])
    from nlp.models.runtime import RuntimeSettings

    served = load_artifact(art, base=base, settings=RuntimeSettings(quantization="fp32", prefix=""))
    texts = ["i made $5000 with trader now", "love this post ❤️", "so happy today @user"]
    together = served.predict(texts)
    alone = [served.predict([t])[0] for t in texts]
    for a, b in zip(together, alone, strict=True):
        assert a["spam"] == pytest.approx(b["spam"], abs=1e-5)


def test_evaluate_reports_served_precision_against_fp32(trained: tuple[Path, Path, dict]) -> None:
    from training.evaluate import Evaluator

    art, _, cfg = trained
    ev = Evaluator(art, FIX, "test", base=_tiny_base(art, cfg["seed"]), quantization="bf16")
    got = {
        r["metric"]: r["value"]
        for r in ev.run("quantization")
        if r["dataset"] == "tweeteval_emotion"
    }
    assert {"macro_f1_fp32", "macro_f1_bf16", "macro_f1_bf16_minus_fp32", "served_is_bf16"} <= set(
        got
    )
    assert {"macro_f1_int8", "macro_f1_int8_minus_fp32", "argmax_agreement_int8"} <= set(got)
    assert got["macro_f1_bf16_minus_fp32"] == pytest.approx(
        got["macro_f1_bf16"] - got["macro_f1_fp32"]
    )


def test_recalibrate_refits_on_validation_through_the_serving_path(
    trained: tuple[Path, Path, dict], tmp_path: Path
) -> None:
    import shutil

    from nlp.models.artifact import artifact_sha256, load_artifact, read_meta
    from training.recalibrate import recalibrate

    art, _, cfg = trained
    copy_dir = tmp_path / art.name
    shutil.copytree(art, copy_dir)
    before_sha = artifact_sha256(copy_dir)
    weights = (copy_dir / "weights.safetensors").read_bytes()
    out = recalibrate(copy_dir, FIX, "fp32", base=_tiny_base(art, cfg["seed"]))
    meta = read_meta(copy_dir)
    assert out["precision"] == "fp32"
    assert "fp32" in meta["calibration_detail"]["method"]
    assert meta["calibration"] == out["after"]
    assert all(t > 0 for k, t in out["after"].items() if "/bias/" not in k)
    assert all(m["split"] == "validation" for m in meta["metrics"]["validation"])
    assert (copy_dir / "weights.safetensors").read_bytes() == weights
    assert artifact_sha256(copy_dir) != before_sha or out["after"] == out["before"]
    load_artifact(copy_dir, base=_tiny_base(art, cfg["seed"]))  # still loads


@pytest.mark.parametrize("jobs", [1, 2, 3, 4, 8])
def test_evaluate_job_groups_cover_every_task_once(jobs: int) -> None:
    from training.evaluate import TASKS, job_groups

    groups = job_groups(list(TASKS), jobs)
    assert 1 <= len(groups) <= jobs
    flat = [t for g in groups for t in g]
    assert sorted(flat) == sorted(TASKS)


def test_train_device_auto_follows_torch_and_refuses_a_missing_gpu(monkeypatch) -> None:
    from training.train import train_device

    assert train_device({}) == torch.device("cpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert train_device({"device": "auto"}) == torch.device("cpu")
    with pytest.raises(ValueError, match="no CUDA device"):
        train_device({"device": "cuda"})
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert train_device({"device": "auto"}) == torch.device("cuda")


def test_gpu_profile_is_the_standard_recipe_on_a_gpu() -> None:
    """The GPU profile may change how long and where it trains, not what the model is: the same
    data sets, splits, heads, inputs and LoRA shape as the CPU release recipe."""
    from training.train import load_config

    root = Path(__file__).resolve().parents[2] / "training" / "configs"
    gpu, std = load_config(root / "gpu.yaml"), load_config(root / "standard.yaml")
    assert gpu["device"] == "auto"
    for key in ("datasets", "split_seed", "max_length", "lora", "text_prefix", "commercial",
                "eval_datasets"):  # fmt: skip
        assert gpu[key] == std[key], key


def test_soup_state_is_the_exact_weighted_mean_of_lora_updates_and_heads() -> None:
    from training.soup import soup_state

    g = torch.Generator().manual_seed(0)
    a1, a2 = torch.randn(4, 8, generator=g), torch.randn(4, 8, generator=g)
    b1, b2 = torch.randn(6, 4, generator=g), torch.randn(6, 4, generator=g)
    h1, h2 = torch.randn(3, 8, generator=g), torch.randn(3, 8, generator=g)
    s1 = {"m.lora_A.weight": a1, "m.lora_B.weight": b1, "heads.x.1.weight": h1}
    s2 = {"m.lora_A.weight": a2, "m.lora_B.weight": b2, "heads.x.1.weight": h2}
    out = soup_state([s1, s2], [0.3, 0.7])
    assert out["m.lora_A.weight"].shape == (8, 8) and out["m.lora_B.weight"].shape == (6, 8)
    delta = out["m.lora_B.weight"] @ out["m.lora_A.weight"]
    torch.testing.assert_close(delta, 0.3 * b1 @ a1 + 0.7 * b2 @ a2)
    torch.testing.assert_close(out["heads.x.1.weight"], 0.3 * h1 + 0.7 * h2)
    with pytest.raises(ValueError, match="different parameter sets"):
        soup_state([s1, {"m.lora_A.weight": a2}], [0.5, 0.5])


def test_soup_of_an_artifact_with_itself_serves_the_same_logits(
    trained: tuple[Path, Path, dict], tmp_path: Path
) -> None:
    """Rank concatenation must keep the LoRA scaling: a soup of X with X is X."""
    import copy
    import shutil

    from nlp.models.artifact import load_artifact, read_meta
    from nlp.models.runtime import RuntimeSettings
    from training.soup import make_soup

    art, _, cfg = trained
    twin = tmp_path / "twin" / art.name
    shutil.copytree(art, twin)
    soup = make_soup([art, twin], tmp_path / "soup", version="0.0.2")
    meta = read_meta(soup)
    assert meta["config"]["lora"]["r"] == 2 * cfg["lora"]["r"]
    assert meta["calibration"] == {} and len(meta["soup"]["ingredients"]) == 2
    texts = ["so happy today", "buy followers now!!!", "this was written by a bot"]
    rs = RuntimeSettings(quantization="fp32", prefix="")
    base = _tiny_base(art, cfg["seed"])  # loading merges LoRA into the base: one copy each
    want = load_artifact(art, base=copy.deepcopy(base), settings=rs).logits(texts)
    got = load_artifact(soup, base=copy.deepcopy(base), settings=rs).logits(texts)
    for head, z in want.items():
        np.testing.assert_allclose(got[head], z, atol=1e-5, rtol=1e-5)
    with pytest.raises(ValueError, match="weights must be"):
        make_soup([art, twin], tmp_path / "bad", version="0.0.3", weights=[0.9, 0.9])


def test_view_calibration_fits_label_base_rates_one_temperature_cannot() -> None:
    """Two labels with opposite miscalibration (one under-, one over-predicted): one temperature
    cannot fix both, a bias per label can."""
    rng = np.random.default_rng(0)
    n = 4000
    cols = {}
    for lab, shift in (("joy", 1.5), ("fear", -1.5)):
        true_logit = rng.normal(0, 2, n)
        y = (rng.random(n) < 1 / (1 + np.exp(-true_logit))).astype(float)
        cols[lab] = (true_logit + shift, y)  # the model's logits are offset from the truth
    t, biases = cal.fit_view(cols)
    assert biases["joy"] == pytest.approx(-1.5, abs=0.25)
    assert biases["fear"] == pytest.approx(1.5, abs=0.25)
    z = np.stack([cols["joy"][0], cols["fear"][0]], 1)
    y = np.stack([cols["joy"][1], cols["fear"][1]], 1)
    t_only = cal.fit_temperature([(z, y, "multi")])
    ece_t = cal.ece(cal.probs_of(z, "multi", t_only), y, "multi")
    ece_tb = cal.ece(
        cal.probs_of(z, "multi", t, np.array([biases["joy"], biases["fear"]])), y, "multi"
    )
    assert ece_tb < 0.03 < ece_t
