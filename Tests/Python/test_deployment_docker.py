"""docker/Dockerfile: stages, user, health check, and runtime packages that cover every library
the binaries link (checked with ldd on the built binaries and dpkg on this Debian 12 host, the
same release as the runtime image)."""

from __future__ import annotations

import re
import shlex
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path


from conftest import _executable
from deployment_support import DOCKERFILE, DOCKERIGNORE

# The Swift runtime: linked dynamically by the debug build the tests use, statically by the
# image's release build (--static-swift-stdlib), so the image needs no package for it.
SWIFT_RUNTIME = re.compile(r"^lib(swift|_?Foundation|dispatch|BlocksRuntime|_FoundationICU|icu)")
# The kernel's and the loader's own entries in ldd's list.
NOT_A_PACKAGE = re.compile(r"^(linux-vdso|linux-gate|ld-linux)")


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with comments dropped and continuation lines joined."""
    joined: list[str] = []
    pending = ""
    for line in DOCKERFILE.read_text().splitlines():
        if line.lstrip().startswith("#") and not pending:
            continue
        if line.lstrip().startswith("#"):
            continue  # A comment inside a continued instruction.
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        joined.append(pending + line)
        pending = ""
    result = []
    for line in joined:
        if line.strip():
            keyword, _, arguments = line.strip().partition(" ")
            result.append((keyword.upper(), arguments.strip()))
    return result


def stages() -> list[list[tuple[str, str]]]:
    """The instructions of each FROM stage."""
    result: list[list[tuple[str, str]]] = []
    for keyword, arguments in instructions():
        if keyword == "FROM":
            result.append([])
        if result:
            result[-1].append((keyword, arguments))
    return result


def build_arguments() -> dict[str, str]:
    """ARG defaults declared before the first FROM (the image names)."""
    values = {}
    for keyword, arguments in instructions():
        if keyword == "FROM":
            break
        if keyword == "ARG" and "=" in arguments:
            name, value = arguments.split("=", 1)
            values[name] = value
    return values


def base_image(stage: list[tuple[str, str]]) -> str:
    image = stage[0][1].split()[0]
    for name, value in build_arguments().items():
        image = image.replace("${" + name + "}", value)
    return image


def runtime_packages() -> set[str]:
    """Packages the final stage installs with apt-get install."""
    packages: set[str] = set()
    for keyword, arguments in stages()[-1]:
        if keyword != "RUN":
            continue
        for command in re.split(r"&&|;", arguments):
            words = shlex.split(command)
            if "apt-get" in words and "install" in words:
                packages |= {word for word in words[words.index("install") + 1:] if not word.startswith("-")}
    return packages


def test_multi_stage_swift_build_and_slim_debian_runtime() -> None:
    all_stages = stages()
    assert len(all_stages) >= 2
    assert base_image(all_stages[0]) == "swift:6.3-bookworm"
    assert base_image(all_stages[-1]) == "debian:bookworm-slim"
    build_commands = " ".join(arguments for keyword, arguments in all_stages[0] if keyword == "RUN")
    assert re.search(r"swift build -c release --static-swift-stdlib --product gatehouse\b", build_commands)
    # One program: the supervisor starts its workers as `gatehouse worker`, the same file.
    copies = [arguments.split() for keyword, arguments in all_stages[-1] if keyword == "COPY"]
    assert ["--from=build", "/out/gatehouse", "/usr/local/bin/"] in copies


def test_final_user_is_a_fixed_non_root_uid() -> None:
    users = [arguments for keyword, arguments in stages()[-1] if keyword == "USER"]
    assert users, "no USER in the runtime stage"
    uid = users[-1].split(":")[0]
    assert uid.isdigit() and int(uid) >= 1000  # numeric: Kubernetes runAsNonRoot can verify it
    created = " ".join(arguments for keyword, arguments in stages()[-1] if keyword == "RUN")
    assert f"--uid {uid}" in created


def test_runtime_settings() -> None:
    final = dict(stages()[-1])
    assert re.fullmatch(r'(--\S+ )*CMD \["gatehouse", "healthcheck"\]', final["HEALTHCHECK"])
    assert final["STOPSIGNAL"] == "SIGTERM"
    assert final["ENTRYPOINT"] == '["gatehouse"]'
    assert final["CMD"] == '["serve"]'
    # A read-only root filesystem works: nothing is written but to /tmp, and no .env is read.
    assert final["WORKDIR"] == "/"
    labels = " ".join(arguments for keyword, arguments in stages()[-1] if keyword == "LABEL")
    for label in ("title", "description", "version", "revision"):
        assert f"org.opencontainers.image.{label}=" in labels
    assert "ca-certificates" in runtime_packages()
    assert "rm -rf /var/lib/apt/lists/*" in " ".join(arguments for keyword, arguments in stages()[-1] if keyword == "RUN")


def test_dockerignore_keeps_local_state_out_of_the_context() -> None:
    ignored = DOCKERIGNORE.read_text().split()
    for entry in (".build", ".git", ".venv", ".env", "secrets", "certs", "Tests/Python", "Tests/Containers"):
        assert entry in ignored, entry


# --------------------------------------------------------------------------------------------
# Runtime libraries


def linked_libraries(binary: Path) -> dict[str, str]:
    """ldd's soname -> resolved path, for the libraries that are not the Swift runtime."""
    output = subprocess.run(["ldd", str(binary)], capture_output=True, text=True, check=True, timeout=30).stdout
    libraries = {}
    for line in output.splitlines():
        line = line.strip()
        assert "not found" not in line, f"{binary.name}: {line}"
        name = line.split()[0]
        if NOT_A_PACKAGE.match(Path(name).name) or SWIFT_RUNTIME.match(name):
            continue
        match = re.match(r"(\S+) => (\S+) \(0x", line)
        assert match, f"unexpected ldd line: {line}"
        libraries[match.group(1)] = match.group(2)
    return libraries


def path_spellings(path: str) -> list[str]:
    """A library's path as ldd found it, resolved, and with and without /usr (merged /usr means
    dpkg may have recorded either)."""
    spellings = []
    for candidate in (path, str(Path(path).resolve())):
        spellings += [candidate, candidate[len("/usr"):] if candidate.startswith("/usr/") else "/usr" + candidate]
    return list(dict.fromkeys(spellings))


def owning_packages(paths: set[str]) -> dict[str, str]:
    """Library path -> the Debian package that ships it, with one dpkg -S for all of them."""
    spellings = {path: path_spellings(path) for path in paths}
    everything = sorted({spelling for variants in spellings.values() for spelling in variants})
    # Status 1 only means some spellings are unknown, which most are.
    output = subprocess.run(["dpkg", "-S", *everything], capture_output=True, text=True, timeout=60).stdout
    shipped_by = {}
    for line in output.splitlines():
        packages, _, shipped = line.partition(": ")
        shipped_by[shipped.strip()] = packages.split(",")[0].split(":")[0].strip()
    owners = {}
    for path, variants in spellings.items():
        owner = next((shipped_by[variant] for variant in variants if variant in shipped_by), None)
        assert owner, f"no Debian package ships {path}"
        owners[path] = owner
    return owners


@dataclass(frozen=True)
class InstalledPackage:
    depends: tuple[str, ...]
    in_minimal_base: bool


@cache
def installed_packages() -> dict[str, InstalledPackage]:
    """This host's installed packages, from one dpkg-query: what each depends on (Depends and
    Pre-Depends, every alternative) and whether it is Essential or of Priority required."""
    listing = subprocess.run(
        ["dpkg-query", "-W", "-f=${Package}\t${Status}\t${Essential}\t${Priority}\t${Depends}, ${Pre-Depends}\n"],
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout
    packages = {}
    for line in listing.splitlines():
        name, status, essential, priority, relations = line.split("\t")
        if "install ok installed" not in status:
            continue
        depends = tuple(
            alternative.strip().split(" ")[0].split(":")[0]
            for alternative in re.split(r"[,|]", relations) if alternative.strip()
        )
        packages[name] = InstalledPackage(depends, essential == "yes" or priority == "required")
    return packages


def dependency_closure(roots: set[str]) -> set[str]:
    packages = installed_packages()
    seen: set[str] = set()
    pending = list(roots)
    while pending:
        name = pending.pop()
        if name in seen or name not in packages:
            continue
        seen.add(name)
        pending.extend(packages[name].depends)
    return seen


def base_image_packages() -> set[str]:
    """What debian:bookworm-slim already has: the Essential and Priority required packages (a
    minbase debootstrap) and apt, with everything they depend on."""
    roots = {name for name, package in installed_packages().items() if package.in_minimal_base}
    return dependency_closure(roots | {"apt"})


def test_runtime_packages_cover_every_linked_library() -> None:
    installed = runtime_packages()
    covered = base_image_packages() | dependency_closure(installed - {"ca-certificates"})
    linked = linked_libraries(_executable("gatehouse"))
    owners = owning_packages(set(linked.values()))
    needed: dict[str, set[str]] = {}
    for soname, path in linked.items():
        needed.setdefault(owners[path], set()).add(soname)
    # The libraries the C targets wrap must be among them, or this check proves nothing.
    assert {"libcurl4", "libhiredis0.14", "libsystemd0"} <= set(needed), needed
    missing = {package: sorted(sonames) for package, sonames in needed.items() if package not in covered}
    assert not missing, f"the runtime stage does not install {missing}"
    # Each package the runtime stage names is one the binaries need (or the CA bundle).
    assert installed - {"ca-certificates"} <= set(needed), installed - set(needed)
