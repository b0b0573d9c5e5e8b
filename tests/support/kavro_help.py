"""`kavro ... --help` as data for the Python tests: the flags and subcommands CLI11 lists, and a check
that a kavro command line (from a compose file, a systemd unit) names only what exists."""
import re
import subprocess


def kavro_help(kavro, path):
    out = subprocess.run([kavro, *path, "--help"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, f"kavro {' '.join(path)} --help failed: {out.stderr}"
    return out.stdout


def sections(help_text):
    """The flags of the Options: section and the names of the Subcommands: section."""
    flags, subcommands, section = set(), set(), None
    for line in help_text.splitlines():
        if line.rstrip().endswith(":") and not line.startswith(" "):
            section = line.strip()[:-1]
            continue
        if section == "Options":
            m = re.match(r"  (-\S+)", line)
            if m:
                flags.update(f for f in m.group(1).split(",") if f.startswith("-"))
        elif section == "Subcommands":
            m = re.match(r"  (\S+)", line)
            if m:
                subcommands.add(m.group(1))
    return flags, subcommands


def check_command(kavro, args, where):
    """args: a kavro command line without the binary; every subcommand and flag must exist. Returns the
    subcommand path."""
    path, rest = [], list(args)
    _, subs = sections(kavro_help(kavro, path))
    while rest and rest[0] in subs:
        path.append(rest.pop(0))
        _, subs = sections(kavro_help(kavro, path))
    assert path, f"{where}: {args[0]!r} is not a kavro subcommand"
    assert not subs, f"{where}: 'kavro {' '.join(path)}' needs a subcommand ({', '.join(sorted(subs))})"
    flags, _ = sections(kavro_help(kavro, path))
    for arg in rest:
        if arg.startswith("-"):
            flag = arg.split("=", 1)[0]
            assert flag in flags, f"{where}: kavro {' '.join(path)} has no flag {flag}"
    return path
