"""The drop folder's claim and finish moves: nothing overwritten, nothing claimed twice."""

from pathlib import Path

from flows.dropfolder import DropFolder, area_of, move_exclusive


def _write(path: Path, text: str = "{}\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_area_comes_from_the_subfolder_or_the_file_name() -> None:
    assert area_of("dorset/2026-03-10.jsonl") == "dorset"
    assert area_of("avon-and-somerset-2026-03-10.jsonl") == "avon-and-somerset"
    assert area_of("west-midlands.csv") == "west-midlands"


def test_new_files_skip_partial_hidden_rejects_and_state_folders(tmp_path: Path) -> None:
    _write(tmp_path / "dorset" / "a.jsonl")
    _write(tmp_path / "dorset" / "b.jsonl.part")
    _write(tmp_path / "dorset" / ".c.jsonl")
    _write(tmp_path / "kent-1.csv")
    _write(tmp_path / "kent-1.csv.rejects.jsonl")
    _write(tmp_path / "notes.txt")
    _write(tmp_path / "processed" / "old.jsonl")
    _write(tmp_path / "processing" / "dorset" / "left.jsonl")
    folder = DropFolder(tmp_path)
    assert [p.relative_to(tmp_path).as_posix() for p in folder.new_files()] == [
        "dorset/a.jsonl", "kent-1.csv"]
    assert [(c.name, c.area, c.resumed) for c in folder.leftovers()] == [
        ("dorset/left.jsonl", "dorset", True)]


def test_claim_all_resumes_leftovers_first_and_never_overwrites(tmp_path: Path) -> None:
    _write(tmp_path / "processing" / "dorset" / "a.jsonl", "left\n")
    _write(tmp_path / "dorset" / "a.jsonl", "new\n")
    claims = DropFolder(tmp_path).claim_all()
    assert [(c.name, c.resumed) for c in claims] == [("dorset/a.jsonl", True),
                                                     ("dorset/a~2.jsonl", False)]
    assert [Path(c.path).read_text() for c in claims] == ["left\n", "new\n"]
    assert not (tmp_path / "dorset" / "a.jsonl").exists()


def test_a_file_claimed_by_another_run_is_skipped(tmp_path: Path) -> None:
    src = _write(tmp_path / "dorset" / "a.jsonl")
    folder = DropFolder(tmp_path)
    first = folder.claim(src)
    assert first is not None and first.name == "dorset/a.jsonl"
    assert folder.claim(src) is None
    assert move_exclusive(src, tmp_path / "elsewhere") is None


def test_finish_moves_the_rejects_file_beside_a_renamed_file(tmp_path: Path) -> None:
    _write(tmp_path / "processed" / "kent-1.csv", "earlier\n")
    src = _write(tmp_path / "kent-1.csv", "later\n")
    folder = DropFolder(tmp_path)
    claim = folder.claim(src)
    assert claim is not None
    _write(Path(claim.path + ".rejects.jsonl"), "reject\n")
    final = folder.finish(claim, "processed", (claim.path + ".rejects.jsonl",))
    assert Path(final) == tmp_path / "processed" / "kent-1~2.csv"
    assert (tmp_path / "processed" / "kent-1.csv").read_text() == "earlier\n"
    assert Path(final).read_text() == "later\n"
    assert (tmp_path / "processed" / "kent-1~2.csv.rejects.jsonl").read_text() == "reject\n"
    assert list((tmp_path / "processing").rglob("*")) == []
