"""Config: found upward from the working directory, read from YAML or pyproject.toml, located errors, flags win."""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import pytest

from vpcsim.cli import main
from vpcsim.config import Config, ConfigError, find_config, load_config, parse_format

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"


@pytest.fixture()
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository with nat-bastion under network/, and the working directory in a subfolder of it."""
    (tmp_path / "network").mkdir()
    for path in SCENARIOS.glob("nat-bastion*.yaml"):
        shutil.copy(path, tmp_path / "network" / path.name)
    (tmp_path / "ci" / "deep").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "ci" / "deep")
    return tmp_path


def write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text))
    return path


def test_found_upward_yaml_before_pyproject(repo: Path) -> None:
    assert find_config() is None
    write(repo / "pyproject.toml", "[project]\nname = 'x'\n")
    assert find_config() is None  # a pyproject without [tool.vpcsim] is not a config
    write(repo / "pyproject.toml", "[project]\nname = 'x'\n\n[tool.vpcsim]\ndesign = 'network/nat-bastion.yaml'\n")
    assert find_config() == str(repo / "pyproject.toml")
    write(repo / ".vpcsim.yaml", "design: network/nat-bastion.yaml\n")
    assert find_config() == str(repo / ".vpcsim.yaml")
    write(repo / "ci" / ".vpcsim.yml", "design: ../network/nat-bastion.yaml\n")
    assert find_config() == str(repo / "ci" / ".vpcsim.yml")  # the nearest wins


def test_yaml_config_is_read_with_paths_from_its_folder(repo: Path) -> None:
    path = write(repo / ".vpcsim.yaml", """\
        design: network/nat-bastion.yaml
        assertions: [network/nat-bastion.assertions.yaml]
        ephemeral: corp
        ephemeral-presets: {corp: 40000-50000, legacy: [1024, 5000]}
        format: [text, "sarif:reports/vpcsim.sarif"]
        check:
          baseline: .vpcsim/check-baseline.json
        lint:
          select: [VPC0*, aws]
          ignore: VPC011, VPC013
          severity: {VPC009: warning, "VPC01*": error}
          fail-on: note
          format: [github]
        """)
    config = load_config(path)
    assert config.design == "../../network/nat-bastion.yaml"
    assert (repo / "ci" / "deep" / config.design).resolve() == (repo / "network" / "nat-bastion.yaml")
    assert config.assertions == ("../../network/nat-bastion.assertions.yaml",)
    assert config.ephemeral == "corp"
    assert config.ephemeral_presets()["corp"] == (40000, 50000)
    assert config.ephemeral_presets()["legacy"] == (1024, 5000)
    assert config.ephemeral_presets()["linux"] == (32768, 60999)
    assert config.check.format == ("text", "sarif:../../reports/vpcsim.sarif")  # the top-level formats
    assert config.check.baseline == "../../.vpcsim/check-baseline.json"
    assert config.lint.select == ("VPC0*", "aws") and config.lint.ignore == ("VPC011", "VPC013")
    assert config.lint.severity == (("VPC009", "warning"), ("VPC01*", "error"))
    assert config.lint.fail_on == "note" and config.lint.format == ("github",)
    assert config.root == str(repo)


def test_pyproject_table_and_subtables(repo: Path) -> None:
    path = write(repo / "pyproject.toml", """\
        [project]
        name = "estate"

        [tool.vpcsim]
        design = "network/nat-bastion.yaml"
        sarif-root = "."

        [tool.vpcsim.lint]
        ignore = ["VPC011"]
        fail-on = "error"
        """)
    config = load_config(path)
    assert config.design == "../../network/nat-bastion.yaml"
    assert config.sarif_root == "../.."
    assert config.lint.ignore == ("VPC011",) and config.lint.fail_on == "error"


@pytest.mark.parametrize(("text", "where", "message"), [
    ("desing: x.yaml\n", ":1:1", "unknown key 'desing' in the config; expected one of: design, assertions"),
    ("design: [a, b]\n", ":1:9", "design must be a non-empty string, not a list"),
    ("lint:\n  fail-on: sometimes\n", ":2:12", "lint.fail-on is 'sometimes'; expected one of: error, warning, note, never"),
    ("lint:\n  select: [VPC1]\n", ":2:12", "lint.select: unknown rule 'VPC1'; expected a rule id (VPC001)"),
    ("lint:\n  severity: {VPC001: fatal}\n", ":2:22", "lint.severity of VPC001 is 'fatal'; expected one of: error"),
    ("format: [sarif:out.sarif, xml]\n", ":1:27", "unknown output format 'xml'; expected FORMAT or FORMAT:PATH"),
    ("ephemeral: 70000-80000\n", ":1:12", "ephemeral is '70000-80000'; expected lo-hi with 0 <= lo <= hi <= 65535"),
    ("ephemeral-presets: {Corp: 1-2}\n", ":1:21", "ephemeral preset name 'Corp' must be lowercase"),
    ("- design\n", ":1:1", "the config must be a mapping, not a list"),
    ("design: 'x\n", ":2:1", "malformed YAML"),
])
def test_bad_yaml_config_is_located(repo: Path, text: str, where: str, message: str) -> None:
    path = write(repo / ".vpcsim.yaml", text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    (first, *_) = info.value.diagnostics
    assert str(first.location).endswith(".vpcsim.yaml" + where), str(first.location)
    assert message in first.message


@pytest.mark.parametrize(("text", "where", "message"), [
    ("[tool.vpcsim]\ndesign = 3\n", ":2:1", "design must be a non-empty string, not a number (3)"),
    ("[tool.vpcsim.lint]\nfail-on = 'x'\n", ":2:1", "lint.fail-on is 'x'"),
    ("[tool.vpcsim]\nlint = {selectt = ['VPC001']}\n", ":2:1", "unknown key 'selectt' in lint"),
    ("[tool.vpcsim]\ndesign = \n", ":2:10", "malformed TOML"),
])
def test_bad_pyproject_config_is_located(repo: Path, text: str, where: str, message: str) -> None:
    path = write(repo / "pyproject.toml", text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    (first, *_) = info.value.diagnostics
    assert str(first.location).endswith("pyproject.toml" + where), str(first.location)
    assert message in first.message


def test_every_problem_is_reported_at_once(repo: Path) -> None:
    path = write(repo / ".vpcsim.yaml", "design: 1\nlint: {fail-on: x, ignore: [nope]}\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert len(info.value.diagnostics) == 3


def test_cli_reports_a_bad_config_with_exit_3(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(repo / ".vpcsim.yaml", "lint:\n  fail-on: sometimes\n")
    assert main(["lint"]) == 3
    err = capsys.readouterr().err
    assert ".vpcsim.yaml:2:12: error: lint.fail-on is 'sometimes'" in err
    assert "vpcsim: invalid config: 1 error(s)" in err
    assert "Traceback" not in err
    assert main(["--no-config", "lint", str(repo / "network" / "nat-bastion.yaml"), "-f", "json"]) == 1
    assert main(["--config", str(repo / "missing.yaml"), "lint"]) == 3
    assert "missing.yaml: error: config file not found" in capsys.readouterr().err


def test_cli_takes_design_assertions_and_lint_settings_from_the_config(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # nat-bastion's lint: VPC005 (warning), VPC011 (note), VPC013 (note); with fail-on warning it fails.
    assert main(["lint", str(repo / "network" / "nat-bastion.yaml")]) == 1
    write(repo / ".vpcsim.yaml", "design: network/nat-bastion.yaml\nlint: {ignore: [VPC005]}\n")
    capsys.readouterr()
    assert main(["lint", "-f", "json"]) == 0  # the config's design, without VPC005
    doc = json.loads(capsys.readouterr().out)
    assert {f["rule"] for f in doc["findings"]} == {"VPC011", "VPC013"}
    assert main(["lint", "-f", "json", "--ignore", ""]) == 1  # a flag wins over the config
    capsys.readouterr()
    write(repo / ".vpcsim.yaml", "design: network/nat-bastion.yaml\nlint: {severity: {VPC013: error}, "
          "ignore: [VPC005]}\n")
    assert main(["lint", "-f", "json"]) == 1  # VPC013 is now an error
    doc = json.loads(capsys.readouterr().out)
    assert {f["rule"]: f["level"] for f in doc["findings"]} == {"VPC011": "note", "VPC013": "error"}
    assert main(["lint", "-f", "json", "--fail-on", "never"]) == 0
    capsys.readouterr()
    assert main(["check", "-f", "json"]) == 0  # the design's sibling assertions
    assert json.loads(capsys.readouterr().out)["passed"] == 8
    (repo / "one.assertions.yaml").write_text(
        "version: 1\nassertions:\n  - {id: x, name: x, from: internet, to: app-a, expect: unreachable}\n")
    write(repo / ".vpcsim.yaml", "design: network/nat-bastion.yaml\nassertions: [one.assertions.yaml]\n")
    assert main(["check", "-f", "json"]) == 0
    assert [a["id"] for a in json.loads(capsys.readouterr().out)["assertions"]] == ["x"]


def test_cli_ephemeral_presets_and_default(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(repo / ".vpcsim.yaml", "design: network/nat-bastion.yaml\nephemeral-presets: {corp: 40000-40010}\n")
    assert main(["trace", "bastion", "app-a", "22", "--json", "--ephemeral", "corp"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert "40000" in json.dumps(doc)
    write(repo / ".vpcsim.yaml", "design: network/nat-bastion.yaml\nephemeral: windows\n")
    assert main(["trace", "bastion", "app-a", "22", "--json"]) == 0
    assert "49152" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_info:
        main(["trace", "bastion", "app-a", "22", "--ephemeral", "corp"])  # no such preset now
    assert exit_info.value.code == 2
    assert "invalid ephemeral range 'corp' (expected lo-hi, or one of linux, nat, windows)" in capsys.readouterr().err


def test_no_config_is_the_empty_config() -> None:
    assert Config().design is None and Config().root is None
    assert parse_format("sarif:C:\\out\\x.sarif") == ("sarif", "C:\\out\\x.sarif")
    with pytest.raises(ValueError, match="names no file after ':'"):
        parse_format("junit:")


@pytest.mark.parametrize("text", [
    '[tool.vpcsim]\ndesign = "x.yaml"\n',
    '[ tool . vpcsim ]\ndesign = "x.yaml"\n',
    '[tool."vpcsim"]\ndesign = "x.yaml"\n',
    "[tool.'vpcsim'.check]\nfail_on = 'error'\n",
    '[[tool.vpcsim.suite]]\nname = "a"\n',
    '[tool]\nvpcsim = {design = "x.yaml"}\n',
    '[tool] # comment\nvpcsim.design = "x.yaml"\n',
    '[tool]\n"vpcsim".design = "x.yaml"\n',
    'tool.vpcsim.design = "x.yaml"\n',
    'tool = {vpcsim = {design = "x.yaml"}}\n',
    '"tool" . "vpcsim" . design = "x.yaml"\n',
    '[project]\nname = "app"\ndependencies = ["vpcsim>=0.1"]\n',
    '[project.scripts]\nvpcsim = "vpcsim.cli:main"\n',
    '[tool.other]\nvpcsim = 1\n',
    '[tool.mypy]\nplugins = ["vpcsim"]\n[project.scripts]\nvpcsim = "vpcsim.cli:main"\n',
    '[tool]\nother = 1\n[project.scripts]\nvpcsim = "vpcsim.cli:main"\n',
    'x = """\n[tool.vpcsim]\n"""\n',  # (in a string: the regex says yes without a parse, as before)
])
def test_a_pyproject_has_a_vpcsim_table_as_tomllib_reads_it(tmp_path: Path, text: str) -> None:
    """The line scan that spares most pyproject.toml files a TOML parse agrees with the parse (but
    for a header inside a multi-line string, which it takes as a table, as it always has)."""
    import tomllib

    from vpcsim.config import _has_tool_table

    path = tmp_path / "pyproject.toml"
    path.write_text(text)
    tool = tomllib.loads(text).get("tool", {})
    assert _has_tool_table(str(path)) == (isinstance(tool, dict) and "vpcsim" in tool or '"""' in text)
