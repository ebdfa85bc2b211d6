"""``make constraints`` merges one ``pip freeze`` per Python into a constraints.txt that installs on
every supported Python: same pins once, differing pins under python_version markers."""

from __future__ import annotations

from pathlib import Path

from devtools.merge_constraints import main


def test_same_pins_once_differing_pins_per_python(tmp_path: Path, capsys) -> None:
    (tmp_path / "3.11.txt").write_text("lxml==6.1.3\nTyping_Extensions==4.16.0\nvtasksim @ file:///checkout\n")
    (tmp_path / "3.13.txt").write_text("lxml==6.1.3\ntyping-extensions==4.17.0\nlegacy-cgi==2.6.4\n")
    assert main(["--supported", "3.13", "3.12", "3.11", "--", str(tmp_path / "3.11.txt"), str(tmp_path / "3.13.txt")]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        "legacy-cgi==2.6.4",
        "lxml==6.1.3",
        'Typing_Extensions==4.16.0; python_version == "3.11"',
        'Typing_Extensions==4.17.0; python_version == "3.13"',
    ]
    assert "no Python 3.12 was found" in err
