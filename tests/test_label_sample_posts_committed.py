"""``wbcs label sample-posts`` never chooses a post of the committed samples (data/labels/gold_sample*.csv,
labelled already) unless --include-committed, as ``wbcs label sample`` and ``sample-turns`` do: a team whose
posts file holds STC-3 posts drew gold-set posts, and an annotator labelled them twice."""

from __future__ import annotations

from tests.helpers import run_cli
from wbcs.cli import main
from wbcs.config import DATA_DIR
from wbcs.labeling.batch import read_sample

COMMITTED = read_sample(DATA_DIR / "labels" / "gold_sample.csv")[:3]  # three posts labelled in the gold set
OWN = ["own1", "own2", "own3", "own4"]


def _posts(tmp_path):
    posts = tmp_path / "posts.csv"
    posts.write_text("post_id,text,created_at\n" + "".join(f"{i},宽带又断了第{k}次,2024-05-01 10:0{k}\n"
                                                         for k, i in enumerate(COMMITTED + OWN)), encoding="utf-8")
    return posts


def test_sample_posts_leaves_out_the_committed_samples_and_says_how_many(tmp_path, capsys):
    posts = _posts(tmp_path)
    (tmp_path / "ex.csv").write_text("post_id\nown1\n" + f"{COMMITTED[0]}\n", encoding="utf-8")
    args = ["label", "sample-posts", "--posts", str(posts), "--strategy", "random", "--size", "50"]
    assert main([*args, "--out", str(tmp_path / "a.csv"), "--exclude", str(tmp_path / "ex.csv")]) == 0
    said = capsys.readouterr().out
    # 7 posts: the 3 committed ones and own1 (--exclude; its committed post counted once) left out, 3 chosen
    assert f"{posts}: 7 posts; 4 left out (in --exclude or the committed samples); 3 to choose from" in said
    assert "left out 3 posts of the committed samples (labelled already; --include-committed draws them too)" in said
    assert sorted(read_sample(tmp_path / "a.csv")) == ["own2", "own3", "own4"]
    assert main([*args, "--out", str(tmp_path / "b.csv"), "--include-committed"]) == 0
    said = capsys.readouterr().out
    assert f"{posts}: 7 posts; 0 left out (in --exclude or the committed samples); 7 to choose from" in said
    assert "of the committed samples (labelled" not in said
    assert sorted(read_sample(tmp_path / "b.csv")) == sorted(COMMITTED + OWN)


def test_sample_posts_of_committed_posts_only_is_one_line_and_writes_nothing(tmp_path):
    posts = tmp_path / "gold.csv"
    posts.write_text("post_id,text,created_at\n" + "".join(f"{i},话费多扣了,2024-05-01\n" for i in COMMITTED),
                     encoding="utf-8")
    r = run_cli("label", "sample-posts", "--posts", str(posts), "--strategy", "random", "--out",
                str(tmp_path / "s.csv"), cwd=tmp_path)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert r.stderr.strip().splitlines() == [
        f"wbcs label: error: --posts {posts}: no post left to choose from: its 3 posts are all in the committed "
        "samples (labelled already) or --exclude; nothing was written (--include-committed draws the committed "
        "ones too)"]
    assert not (tmp_path / "s.csv").exists()
    r = run_cli("label", "sample-posts", "--posts", str(posts), "--strategy", "random", "--out",
                str(tmp_path / "s.csv"), "--include-committed", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert sorted(read_sample(tmp_path / "s.csv")) == sorted(COMMITTED)
    assert "--include-committed" in run_cli("label", "sample-posts", "--help").stdout
