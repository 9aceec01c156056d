"""Each command's man page (docs/*.1) documents exactly the options its
--help lists."""
import os
import re
import subprocess
import unittest

from helpers import HERE, LAUNCHER, PYI_RENDER

DOCS = os.path.normpath(os.path.join(HERE, "..", "..", "docs"))
OPTION = re.compile(r"(?<![\w-])--?[A-Za-z][-A-Za-z]*")


def help_options(text):
    """The options named at the start of the lines of the Options: part."""
    found, inside = set(), False
    for line in text.splitlines():
        if line.rstrip() == "Options:":
            inside = True
        elif inside and line and not line[0].isspace():
            inside = False  # the next paragraph
        elif inside and re.match(r"\s+-", line):
            spec = re.split(r"\s{2,}", line.strip(), maxsplit=1)[0]
            found.update(OPTION.findall(spec))
    return found


def man_options(text):
    """The options in the item headings (.TP) of the OPTIONS section."""
    found, section, lines = set(), None, text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith(".SH"):
            section = line[3:].strip().strip('"')
        elif section == "OPTIONS" and line.startswith(".TP") and i + 1 < len(lines):
            heading = re.sub(r"\\f[BIRP]", "", lines[i + 1]).replace("\\-", "-")
            found.update(OPTION.findall(heading))
    return found


def tool(name):
    """The command to run for 'name', beside the pyi-render under test."""
    if name == "pyinstrument":
        return LAUNCHER
    return os.path.join(os.path.dirname(PYI_RENDER), name)


class ManPages(unittest.TestCase):
    COMMANDS = ("pyinstrument", "pyi-render", "pyi-combine", "pyi-diff")

    def test_parsers_read_both_shapes(self):
        # guards the two readers: an empty set would make any page "match"
        self.assertEqual(help_options(
            "Usage: x\n\nOptions:\n  -o, --outfile=FILE  write\n"
            "      --a-b, --no-a-b\n                      text -x\n"
            "  -m MODULE           run\n\nExit status: -q\n"),
            {"-o", "--outfile", "--a-b", "--no-a-b", "-m"})
        self.assertEqual(man_options(
            ".SH DESCRIPTION\n.TP\n.B \\-\\-not\n.SH OPTIONS\n.TP\n"
            ".BR \\-o \", \" \\-\\-outfile =\\fIFILE\\fR\nsee \\-\\-x\n.TP\n"
            ".BI \\-\\-show\\-all= X\n.SH EXIT STATUS\n.TP\n.B \\-\\-no\n"),
            {"-o", "--outfile", "--show-all"})

    def test_every_help_option_is_in_the_man_page_and_back(self):
        for name in self.COMMANDS:
            with self.subTest(name):
                r = subprocess.run([tool(name), "--help"], capture_output=True,
                                   text=True, timeout=60)
                self.assertEqual(r.returncode, 0, r.stderr)
                helped = help_options(r.stdout)
                self.assertLessEqual({"-h", "--help", "--version"}, helped)
                with open(os.path.join(DOCS, name + ".1"), encoding="utf-8") as f:
                    paged = man_options(f.read())
                self.assertEqual(
                    (sorted(helped - paged), sorted(paged - helped)), ([], []),
                    "%s: options only in --help, only in the man page" % name)


if __name__ == "__main__":
    unittest.main()
