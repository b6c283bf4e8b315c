#!/usr/bin/python3
"""Every flag table in README.md and docs/*.md against the binary it documents.

A flag table is a Markdown table whose header starts with
`| BINARY [SUBCOMMAND] flag | default |`. Its rows must name exactly the
long flags the binary's help lists (absl's --helpfull for simclrd, CLI11's
--help for simclrctl and simclr-worker), each with the default the help
prints (an empty cell for none).

usage: flag_tables_test.py SOURCE_DIR simclrd=PATH simclrctl=PATH simclr-worker=PATH
"""
import glob
import os
import re
import subprocess
import sys

ABSL_BUILTIN = {'flagfile', 'fromenv', 'tryfromenv', 'undefok'}


def absl_flags(binary):
    """{name: default} from absl's --helpfull (the binary's own flags)."""
    text = subprocess.run([binary, '--helpfull'], capture_output=True, text=True).stdout
    flags = {}
    for name, default in re.findall(r'--(\w+) \(.*?\);\s+default: (.*?);', text, re.S):
        if name in ABSL_BUILTIN:
            continue
        flags[name] = default.strip().strip('"')
    return flags


def cli11_flags(binary, subcommand):
    """{name: default} from CLI11's --help of the binary or one subcommand."""
    argv = [binary] + ([subcommand] if subcommand else []) + ['--help']
    text = subprocess.run(argv, capture_output=True, text=True).stdout
    options = text.split('Options:', 1)[1].split('Subcommands:', 1)[0]
    flags = {}
    for line in options.splitlines():
        m = re.match(r'\s+((?:-\w,)?--\w+)', line)
        if not m:
            continue
        name = m.group(1).split('--')[1]
        if name == 'help':
            continue
        # The option's spec ends where the description starts (2+ spaces);
        # its default follows the first '=' in it.
        spec = re.split(r'\s{2,}', line.strip())[0]
        default = re.search(r'=(\S+)', spec)
        flags[name] = default.group(1) if default else ''
    return flags


def tables(path):
    """Yields (binary, subcommand, [(names, defaults, line)]) per flag table."""
    lines = open(path, encoding='utf-8').read().splitlines()
    i = 0
    while i < len(lines):
        m = re.match(r'\|\s*([\w-]+)(?: (\w+))? flag\s*\|\s*default\s*\|', lines[i])
        if not m:
            i += 1
            continue
        rows, i = [], i + 2
        while i < len(lines) and lines[i].startswith('|'):
            cells = [c.strip() for c in lines[i].strip('|').split('|')]
            names = re.findall(r'`--(\w+)`', cells[0])
            defaults = re.findall(r'`([^`]*)`', cells[1]) or ['']
            rows.append((names, defaults, i + 1))
            i += 1
        yield m.group(1), m.group(2), rows


def check_table(path, binary, subcommand, rows, paths):
    errors = []
    if binary not in paths:
        return [f'{path}: a table for {binary}, which this test does not know']
    actual = (absl_flags(paths[binary]) if binary == 'simclrd'
              else cli11_flags(paths[binary], subcommand))
    documented = set()
    for names, defaults, line in rows:
        if len(defaults) == 1:
            defaults = defaults * len(names)
        for name, default in zip(names, defaults):
            documented.add(name)
            if name not in actual:
                errors.append(f'{path}:{line}: --{name} is not a flag of {binary}')
            elif actual[name] != default:
                errors.append(f'{path}:{line}: --{name} defaults to '
                              f'"{actual[name]}", the table says "{default}"')
    for name in sorted(set(actual) - documented):
        errors.append(f'{path}: the {binary} {subcommand or ""} table lacks --{name}')
    return errors


def main():
    source = sys.argv[1]
    paths = dict(arg.split('=', 1) for arg in sys.argv[2:])
    docs = [os.path.join(source, 'README.md')] + sorted(
        glob.glob(os.path.join(source, 'docs', '*.md')))
    errors, checked = [], 0
    for path in docs:
        for binary, subcommand, rows in tables(path):
            errors += check_table(os.path.relpath(path, source), binary, subcommand,
                                  rows, paths)
            checked += 1
    for error in errors:
        print(error)
    print(f'{checked} flag tables checked, {len(errors)} errors')
    if checked < 3:
        print('expected the simclrd, simclrctl and simclr-worker tables')
        return 1
    return 1 if errors else 0


if __name__ == '__main__':
    sys.exit(main())
