"""Generated answers through the command line, the Python API and a YAML config file: every
bake is either refused with a message naming each bad answer, leaving only the answers file,
or compiles, parses, lints clean and gives every free-text answer back exactly."""

from __future__ import annotations

import ast
import json
import re
import shutil
import string
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from conftest import COOKIECUTTER_JSON, TEMPLATE, hook_output, problem_lines, with_session_settings
from cookiecutter.cli import main as cookiecutter_command
from cookiecutter.exceptions import FailedHookException
from cookiecutter.main import cookiecutter
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from launcher_rules import ANSWERS_FILE, shown

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

EXAMPLES = 120
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C parser, where PyYAML has it
QUESTIONS = [name for name in COOKIECUTTER_JSON if not name.startswith("_")]
JSON_ANSWERS = ("config_fields", "product_command", "product_env")
# Characters that broke bakes or crashed them, and their neighbours. Printable ones, which a
# bake must write back exactly: confusable punctuation, quotes, backslashes, braces, combining
# marks, right-to-left letters, digits beyond ASCII, characters beyond the BMP.
PRINTABLE = [
    *"\u0301\u05d0\u0627\u2013\u2014\u00d7\u2018\u2019\u201c\u201d\u2212\u0430\u03bf",
    *"'\"\\{}[]|`#%$&<>:=,;/. -_~\u0663\u00e9\u65e5\U0001f600",
    "{x}",
    "{python}",
    "}}",
]
# And those a bake must refuse: control and format characters (right-to-left marks among
# them), line and paragraph breaks, unusual spaces, lone surrogates.
UNPRINTABLE = [*"\x00\x01\x1f\x7f\x85\t\n\r\u00a0\u2028\u200b\u200f\u202e\ufeff\ud800\udfff"]
# Cookiecutter renders every answer as a Jinja template before the template sees it: an
# answer with Jinja syntax is cookiecutter's to render or refuse, so none is generated.
JINJA = ("{{", "{%", "{#")
EMPTY_CHOICE = "cookiecutter: the list of choices is empty"
LETTERS = string.ascii_letters
ENTRY = string.ascii_letters + string.digits + "_-"
LOWER = string.ascii_lowercase + string.digits + "_"


def no_jinja(text: str) -> bool:
    return not any(marker in text for marker in JINJA)


def weighted(*choices: tuple[int, Any]) -> Any:
    """Draw from each strategy as often as its weight says (``st.one_of`` would not weigh
    them, and small integers are drawn near their bounds more often)."""
    pool = [strategy for weight, strategy in choices for _ in range(weight)]
    return st.sampled_from(pool).flatmap(lambda strategy: strategy)


def mostly(valid: Any, hostile: Any) -> Any:
    """Draw from ``valid`` four times in five: most answer sets then hold few bad answers."""
    return weighted((4, valid), (1, hostile))


def joined(parts: Any, min_size: int = 0, max_size: int = 12) -> Any:
    return st.lists(parts, min_size=min_size, max_size=max_size).map("".join).filter(no_jinja)


plain = st.tuples(
    st.sampled_from(LETTERS),
    st.text(st.sampled_from(LETTERS + string.digits + " .,()-"), max_size=40),
).map(lambda parts: "".join(parts).rstrip(" ") or parts[0])
printable = (
    joined(st.one_of(st.sampled_from(PRINTABLE), plain), min_size=1).map(str.strip).filter(bool)
)
texts = joined(st.one_of(st.sampled_from(PRINTABLE + UNPRINTABLE), st.characters(), plain))
long_texts = st.text(min_size=150, max_size=400).filter(no_jinja)
# Mostly answers that may pass, so that half the bakes or so are written and checked.
any_text = weighted((12, plain), (4, printable), (1, texts), (1, long_texts))
names = mostly(
    st.text(st.sampled_from(ENTRY), min_size=1, max_size=20).filter(lambda name: name[0] != "-"),
    st.one_of(
        st.text(st.sampled_from(LOWER), min_size=40, max_size=55),
        st.sampled_from(["__fallback__", "-x", "connect", "a.b", "class"]),
        texts,
    ),
)
field_names = mostly(
    st.tuples(
        st.sampled_from(string.ascii_lowercase), st.text(st.sampled_from(LOWER), max_size=10)
    ).map("".join),
    st.one_of(
        st.sampled_from(["l", "self", "port", "python", "class", "Bad", "directory", "my-field"]),
        texts,
    ),
)
numbers = st.one_of(
    st.integers(-(2**70), 2**70),
    st.integers(-10, 10),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([1e300, -0.0, 5e-324, 1.5, 10**400]),
)
DEFAULTS = {
    "str": any_text,
    "path": st.one_of(st.just(""), any_text),
    "int": st.one_of(st.integers(-10, 10), numbers),
    "float": st.one_of(st.floats(-1e6, 1e6), numbers),
    "bool": st.booleans(),
}


env_names = mostly(
    st.text(st.sampled_from(string.ascii_uppercase + "_"), min_size=1, max_size=12), texts
)


@st.composite
def field_specs(draw: st.DrawFn, kind: str | None = None) -> Any:
    kind = kind or draw(mostly(st.sampled_from(list(DEFAULTS)), st.sampled_from(["list", "Str"])))
    spec: dict[str, Any] = {"type": kind, "description": draw(any_text)}
    if draw(st.integers(0, 4)):
        spec["default"] = draw(mostly(DEFAULTS.get(kind, numbers), any_text))
    if draw(st.integers(0, 4)) == 0:
        spec["env"] = draw(env_names)
    if draw(st.integers(0, 6)) == 0:
        spec["prompt"] = draw(st.booleans())
    if kind == "path" and draw(st.integers(0, 4)) == 0:
        spec["ansys_path"] = draw(mostly(st.just("ACP/acp_grpcserver"), texts))
        spec["default"] = ""
    if draw(st.integers(0, 8)) == 0:  # a role on any field: often refused (type, server, twice)
        spec["role"] = draw(mostly(st.sampled_from(ROLES), st.one_of(texts, st.integers())))
    return spec


ROLES = ["folder", "transport", "certs_dir"]
# The names the role fields take: those of the template's defaults, or others.
ROLE_FIELD_NAMES = {
    "folder": ["directory", "site_root"],
    "transport": ["transport", "transport_mode"],
    "certs_dir": ["certs_dir", "certificates"],
}


@st.composite
def config_fields(draw: st.DrawFn, server_type: str) -> Any:
    fields = draw(st.dictionaries(field_names, field_specs(), max_size=3))
    if server_type == "grpc" and draw(st.integers(0, 4)):
        transport = draw(st.sampled_from(ROLE_FIELD_NAMES["transport"]))
        certs_dir = draw(st.sampled_from(ROLE_FIELD_NAMES["certs_dir"]))
        fields[transport] = {**draw(field_specs("str")), "role": "transport"}
        fields[certs_dir] = {**draw(field_specs("path")), "role": "certs_dir"}
    if server_type == "http" and draw(st.integers(0, 2)) == 0:
        folder = draw(st.sampled_from(ROLE_FIELD_NAMES["folder"]))
        fields[folder] = {**draw(field_specs("path")), "role": "folder"}
    return fields


@st.composite
def commands(draw: st.DrawFn, fields: Any, server_type: str) -> Any:
    placeholders = ["python", "host", "port", *(fields if isinstance(fields, dict) else [])]
    if server_type == "grpc":
        placeholders.append("address")
    named = st.sampled_from(placeholders)
    argument = mostly(
        st.one_of(
            named.map(lambda name: "{" + str(name) + "}"),
            named.map(lambda name: "--option={" + str(name) + "}"),
            plain,
        ),
        st.one_of(any_text, st.just("{address}")),
    )
    odd = st.sampled_from([[], [1], "python -m http.server", {"a": "b"}, [["{python}"]]])
    nested = st.integers(1, 60).map(lambda depth: json.loads("[" * depth + "]" * depth))
    arguments = st.lists(argument, min_size=1, max_size=4)
    # Mostly a command that names every field: the product gets a field only through it.
    every = [f"--{name}={{{name}}}" for name in fields] if isinstance(fields, dict) else []
    named_all = mostly(st.just(every), st.just([]))
    commands = st.tuples(arguments, named_all).map(lambda parts: ["{python}", *parts[0], *parts[1]])
    return draw(mostly(commands, st.one_of(odd, nested)))


@st.composite
def answer_sets(draw: st.DrawFn) -> dict[str, Any]:
    """Return answers as Python objects; a missing answer takes the template's default."""
    server_type = draw(st.sampled_from(["http", "grpc"]))
    answers: dict[str, Any] = {"server_type": server_type}
    fields = draw(config_fields(server_type))
    if draw(st.integers(0, 3)):
        answers["config_fields"] = fields
        answers["product_command"] = draw(commands(fields, server_type))
    if draw(st.integers(0, 3)) == 0:
        value = mostly(st.sampled_from(["{python}", "{host}:{port}", "1055@licenses"]), any_text)
        answers["product_env"] = draw(st.dictionaries(env_names, value, max_size=2))
    package = st.tuples(
        st.sampled_from(string.ascii_lowercase), st.text(st.sampled_from(LOWER), max_size=30)
    ).map("".join)
    email = st.tuples(plain, plain).map(
        lambda parts: f"{parts[0].replace(' ', '')}@{parts[1].replace(' ', '')}.com"
    )
    version = st.lists(st.integers(0, 999), min_size=1, max_size=3).map(
        lambda parts: ".".join(map(str, parts))
    )
    optional = {
        "product_name": names,
        "launch_mode": names,
        "package_name": mostly(package, st.sampled_from(["json", "class", "a-b", "1x", "p" * 61])),
        "uds_service": names,
        "register_fallback": st.booleans(),
        "include_connect_mode": st.booleans(),
        "include_slurm_mode": st.booleans(),
        "include_container_mode": st.booleans(),
        "description": any_text,
        "author_name": any_text,
        "author_email": mostly(email, st.one_of(st.just("a\x7fb@example.com"), texts)),
        "version": mostly(
            st.one_of(version, st.sampled_from(["1.0rc1", "2.0.dev3"])),
            st.one_of(st.sampled_from(["\u0663", "1.0-beta"]), texts),
        ),
        "license": st.sampled_from(COOKIECUTTER_JSON["license"]),
        "launcher_library": st.sampled_from(COOKIECUTTER_JSON["launcher_library"]),
        "http_scheme": mostly(st.sampled_from(["http", "https"]), texts),
        # A second server: of its own (accepted), or served by a command that does not tell it
        # where to listen (refused); and answers that are no servers at all.
        "servers": mostly(
            st.sampled_from(
                [
                    {"main": server_type},
                    {
                        "main": server_type,
                        "file_transfer": {
                            "kind": server_type,
                            "command": ["{python}", "-m", "ft", "--port={port:file_transfer}"],
                        },
                    },
                    {"main": server_type, "peer": server_type},
                ]
            ),
            st.one_of(
                texts,
                st.dictionaries(texts, st.one_of(texts, st.integers()), max_size=2),
                st.sampled_from([[], {"main": 1}, {"main": server_type, "x": {"kind": "ftp"}}]),
            ),
        ),
        # Mostly empty: a header is refused unless the command gives the product {token}.
        "token_header": mostly(
            st.just(""),
            st.one_of(
                st.sampled_from(["Authorization: Bearer {token}", "X-Key", "K: {token}{port}"]),
                texts,
            ),
        ),
    }
    for name, strategy in optional.items():
        if draw(st.integers(0, 2)) == 0:
            answers[name] = draw(strategy)
    return answers


def delivered(value: Any, route: str = "") -> Any:
    """Return an answer as cookiecutter hands it to the template. It renders every string of
    an answer with Jinja, which writes each line break as \\n (there is no Jinja syntax in the
    generated answers). On the command line a JSON answer is one string, whose escaped
    characters Jinja does not see."""
    if route == "cli" and isinstance(value, (dict, list)):
        return value
    if isinstance(value, str):
        return value.replace("\r\n", "\n").replace("\r", "\n")
    if isinstance(value, dict):
        return {delivered(key): delivered(item) for key, item in value.items()}
    if isinstance(value, list):
        return [delivered(item) for item in value]
    return value


def as_text(value: Any) -> str:
    """Return an answer as the command line gives it."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def without_jinja(answers: dict[str, Any]) -> bool:
    """Whether no answer holds Jinja syntax as cookiecutter reads it: a field name ``#`` makes
    the placeholder ``{#}`` of a generated command, which the command line passes as text."""
    return all(no_jinja(as_text(value)) for value in answers.values())


def reads_back(settings: str, expected: Any) -> bool:
    """Whether cookiecutter's YAML reader gives back what PyYAML wrote (not for every lone
    surrogate, for one)."""
    try:
        return bool(yaml.safe_load(settings) == expected)
    except yaml.YAMLError:
        return False


class Baker:
    """Bakes answer sets into numbered folders by one of three routes; keeps the projects."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0
        self.projects: dict[Path, dict[str, Any]] = {}
        self.routes = {"refused": 0, "accepted": 0}

    def bake(self, route: str, answers: dict[str, Any]) -> tuple[Path, Path | None, list[Any], str]:
        """Return the output folder, the project (None if refused), the problems, the message."""
        self.count += 1
        output = self.folder / f"{self.count:04}-{route}"
        if route == "cli":
            arguments = [str(TEMPLATE), "--no-input", "--output-dir", str(output)]
            arguments += [f"{name}={as_text(value)}" for name, value in answers.items()]
            with hook_output() as printed:
                result = CliRunner().invoke(cookiecutter_command, arguments)
            if isinstance(result.exception, SystemExit) or result.exception is None:
                refused = result.exit_code != 0
                if refused:
                    return output, None, problem_lines(printed[0]), printed[0]
                return output, Path(output, self.package(output)), [], result.output
            raise result.exception
        options: dict[str, Any] = {"no_input": True, "output_dir": str(output)}
        # The session's settings (replay files in its temporary folder) and the answers.
        written = with_session_settings({"default_context": answers})
        settings = (
            yaml.safe_dump(written, allow_unicode=True, sort_keys=False) if route == "yaml" else ""
        )
        if settings and reads_back(settings, written):
            config = self.folder / f"{self.count:04}.yaml"
            config.write_text(settings, encoding="utf-8")
            options["config_file"] = str(config)
        else:  # the Python API, and what PyYAML cannot write and read back
            options["extra_context"] = answers
        try:
            with hook_output() as printed:
                return output, Path(cookiecutter(str(TEMPLATE), **options)), [], ""
        except FailedHookException:
            return output, None, problem_lines(printed[0]), printed[0]
        except ValueError as error:
            # Cookiecutter takes a list for a choice before the template sees it, and stops
            # at an empty one with its own message: a command line that is refused anyway.
            if answers.get("product_command") != [] or "list of choices is empty" not in str(error):
                raise
            return output, None, [], EMPTY_CHOICE

    @staticmethod
    def package(output: Path) -> str:
        (project,) = output.iterdir()
        return project.name


def check_refused(
    output: Path, answers: dict[str, Any], problems: list[Any], message: str, route: str
) -> None:
    assert "is not allowed" in message, message
    assert problems
    refused = set()
    for problem in problems:
        answer = re.match(r"[a-z_]+", problem)
        assert answer is not None, problem
        assert answer.group(0) in QUESTIONS, problem
        refused.add(answer.group(0))
        assert " is not allowed: " in problem
        given_value = delivered(answers.get(answer.group(0)))
        named = problem.startswith(f"{answer.group(0)}=")
        if named and answer.group(0) not in JSON_ANSWERS and isinstance(given_value, str):
            assert problem.startswith(f"{answer.group(0)}={shown(given_value)}")
    assert [path.name for path in output.iterdir()] == [ANSWERS_FILE], list(output.iterdir())
    saved = yaml.load(
        Loader=SAFE_LOADER, stream=(output / ANSWERS_FILE).read_text(encoding="utf-8")
    )
    assert set(saved["default_context"]) <= set(QUESTIONS)
    assert not refused & set(saved["default_context"])


def literal_of(node: ast.AST) -> Any:
    return ast.literal_eval(node)


def check_accepted(project: Path, answers: dict[str, Any], route: str) -> None:
    """Everything parses, and every free-text answer comes back exactly."""
    # The modules the answers are written into compile (ruff parses all of them later).
    for path in (project / "src" / project.name).glob("*.py"):
        compile(path.read_bytes(), str(path), "exec")
    for path in (project / ".github").rglob("*.yml"):
        yaml.load(Loader=SAFE_LOADER, stream=path.read_text(encoding="utf-8"))
    json.loads((project / ".cookiecutter.json").read_text(encoding="utf-8"))
    metadata = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    package = project.name
    init = ast.parse((project / "src" / package / "__init__.py").read_text(encoding="utf-8"))
    if "description" in answers:  # flit takes the description from the docstring
        assert ast.get_docstring(init, clean=False) == delivered(answers["description"])
    if "version" in answers:
        (version,) = [
            literal_of(node.value)
            for node in init.body
            if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "__version__"
        ]
        assert version == delivered(answers["version"])
    if "author_name" in answers:
        assert metadata["authors"][0]["name"] == delivered(answers["author_name"])
    if "author_email" in answers:
        assert metadata["authors"][0]["email"] == delivered(answers["author_email"])
    config = ast.parse((project / "src" / package / "config.py").read_text(encoding="utf-8"))
    assigned = {
        node.targets[0].id: literal_of(node.value)
        for node in config.body
        if isinstance(node, ast.Assign)
        and isinstance(node.targets[0], ast.Name)
        and node.targets[0].id in ("PRODUCT_COMMAND",)
    }
    annotated = {
        node.target.id: node.value
        for node in config.body
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
    }
    if "product_command" in answers:
        command = assigned.get("PRODUCT_COMMAND") or literal_of(annotated["PRODUCT_COMMAND"])
        assert command == delivered(answers["product_command"], route)
    if "product_env" in answers:
        assert literal_of(annotated["PRODUCT_ENV"]) == delivered(answers["product_env"], route)
    if "config_fields" in answers:
        (model,) = [
            node
            for node in config.body
            if isinstance(node, ast.ClassDef) and node.name == "LauncherConfig"
        ]
        fields = {
            node.target.id: node.value
            for node in model.body
            if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
        }
        expected_fields = delivered(answers["config_fields"], route)
        assert list(fields) == [*expected_fields, "startup_timeout"]  # the launcher's own
        for name, spec in expected_fields.items():
            call = fields[name]
            assert isinstance(call, ast.Call)
            keywords = {keyword.arg: keyword.value for keyword in call.keywords}
            if "default" in spec:
                default = literal_of(keywords["default"])
                assert default == spec["default"]
                assert type(default) is type(
                    float(spec["default"]) if spec["type"] == "float" else spec["default"]
                )
            doc = next(
                literal_of(value)
                for key, value in zip(
                    keywords["metadata"].keys, keywords["metadata"].values, strict=True
                )
                if isinstance(key, ast.Name) and key.id == "METADATA_KEY_DOC"
            )
            assert doc.startswith(spec["description"])
            roles = [
                literal_of(value)
                for key, value in zip(
                    keywords["metadata"].keys, keywords["metadata"].values, strict=True
                )
                if isinstance(key, ast.Name) and key.id == "METADATA_KEY_ROLE"
            ]
            assert roles == ([spec["role"]] if "role" in spec else [])


def test_generated_answers_bake_a_clean_plugin_or_are_refused_cleanly(tmp_path: Path) -> None:
    baker = Baker(tmp_path)

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate, Phase.shrink],  # no explain: it traces slowly
        print_blob=True,
    )
    @given(
        answers=answer_sets().filter(without_jinja), route=st.sampled_from(["cli", "api", "yaml"])
    )
    def bake_one(answers: dict[str, Any], route: str) -> None:
        output, project, problems, message = baker.bake(route, answers)
        if message == EMPTY_CHOICE:
            assert not output.exists()
            return
        if project is None:
            check_refused(output, answers, problems, message, route)
            shutil.rmtree(output, ignore_errors=True)
            baker.routes["refused"] += 1
            return
        check_accepted(project, answers, route)
        baker.projects[project] = {"route": route, "answers": answers}
        baker.routes["accepted"] += 1

    bake_one()
    assert baker.count >= EXAMPLES
    # Both outcomes are exercised, or the generators have drifted.
    assert baker.routes["refused"] >= EXAMPLES // 10, baker.routes
    assert baker.routes["accepted"] >= EXAMPLES // 10, baker.routes
    # One ruff run for the batch, each project under its own configuration.
    folders = [str(project) for project in baker.projects]
    for command in (["check"], ["format", "--check"]):
        done = subprocess.run(
            [sys.executable, "-m", "ruff", *command, "--no-cache", "--quiet", *folders],
            capture_output=True,
            text=True,
        )
        places = [line for line in done.stdout.splitlines() if line.strip().startswith("-->")]
        failing = [
            details
            for project, details in baker.projects.items()
            if any(str(project) in place for place in places)
        ]
        assert done.returncode == 0, (command, places[:10], failing[:3], done.stdout[-2000:])


# Answers that were accepted and baked a plugin its own lint step failed, or that did not
# compile: each must now bake a clean plugin, or be refused (test_answers.BAD_ANSWERS).
BROKEN_BEFORE = {
    "no directory field (F401 os)": {
        "config_fields": {"count": {"type": "int", "default": 3, "description": "How many."}},
        "product_command": ["{python}", "-X", "count={count}", "-m", "http.server", "0"],
    },
    "no fields at all (F401 in config.py)": {
        "config_fields": {},
        "product_command": ["{python}", "-m", "http.server", "--bind={host}", "0"],
    },
    "a 50-character product name (I001)": {"product_name": "p" * 50},
    "50-character product and launch mode names (format)": {
        "product_name": "p" * 50,
        "launch_mode": "m" * 50,
        "server_type": "grpc",
        "include_connect_mode": True,
        "include_slurm_mode": True,
    },
    "an en dash and a multiplication sign (RUF001, RUF002)": {
        "description": "Starts the solver \u2013 twice as fast \u00d7 2",
        "config_fields": {
            "directory": {
                "type": "path",
                "default": "a\u2013b",
                "description": "Folder \u00d7 2",
                "role": "folder",
            }
        },
    },
    "a float default of 1e300 (format)": {
        "config_fields": {
            "directory": {
                "type": "path",
                "default": "",
                "description": "Folder.",
                "role": "folder",
            },
            "scale": {"type": "float", "default": 1e300, "description": "Scale."},
        },
        "product_command": ["{python}", "-X", "scale={scale}", "{directory}"],
    },
}


@pytest.mark.parametrize("answers", BROKEN_BEFORE.values(), ids=BROKEN_BEFORE.keys())
def test_answers_that_broke_bakes_bake_a_clean_plugin(
    tmp_path: Path, answers: dict[str, Any]
) -> None:
    project = Path(
        cookiecutter(str(TEMPLATE), no_input=True, output_dir=str(tmp_path), extra_context=answers)
    )
    check_accepted(project, answers, "api")
    for command in (["check"], ["format", "--check"]):
        done = subprocess.run(
            [sys.executable, "-m", "ruff", *command, "--no-cache", str(project)],
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stdout
