"""Writes each fuzz target's seed corpus from ../shared/corpora (read in place) and the
hand-written seeds beside this file. Usage: python3 fuzz/seeds.py CORPORA OUT."""
import hashlib
import html
import json
import os
import re
import sys

corpora, out = sys.argv[1], sys.argv[2]
here = os.path.dirname(os.path.abspath(__file__))


def unescape(s):
    # IdnaTestV2 writes \uXXXX and \x{XXXXX}; the hand-written seeds \uXXXX.
    return re.sub(r"\\u([0-9A-Fa-f]{4})|\\x\{([0-9A-Fa-f]{4,6})\}",
                  lambda m: chr(int(m.group(1) or m.group(2), 16)), s)


def write(target, items):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    n = 0
    for item in items:
        data = item.encode("utf-8", "surrogatepass") if isinstance(item, str) else item
        name = hashlib.sha1(data).hexdigest()[:16]
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
        n += 1
    print(f"{target}: {n} seeds")


def hand(target):
    path = os.path.join(here, "seeds", target + ".txt")
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        return [unescape(line.rstrip("\n")).replace("\\n", "\n") for line in f if line.strip()]


isemail = open(os.path.join(corpora, "isemail/tests.xml"), encoding="utf-8").read()
addresses = [html.unescape(a) for a in re.findall(r"<address>(.*?)</address>", isemail, re.S)]
write("address", addresses + hand("address"))

idna = []
for line in open(os.path.join(corpora, "idna/IdnaTestV2.txt"), encoding="utf-8"):
    line = line.split("#")[0].strip()
    if line:
        idna.append(unescape(line.split(";")[0].strip()))
toascii = json.load(open(os.path.join(corpora, "whatwg-url/toascii.json"), encoding="utf-8"))
idna += [c["input"] for c in toascii if isinstance(c, dict) and "input" in c]
write("host", idna[::4] + hand("host"))

spf = set()
for name in ("openspf/rfc7208-tests.yml", "openspf/rfc4408-tests.yml"):
    for m in re.finditer(r"v=spf1[^\n\"']*", open(os.path.join(corpora, name), encoding="utf-8").read()):
        spf.add(m.group(0).strip())
write("spf", sorted(spf) + hand("spf"))

dkim = set()
for name in os.listdir(os.path.join(corpora, "dkimpy")):
    text = open(os.path.join(corpora, "dkimpy", name), encoding="utf-8", errors="replace").read()
    for m in re.finditer(r"v=DKIM1[^\n]*|k=rsa[^\n]*|p=[A-Za-z0-9+/=]{20,}", text):
        dkim.add(m.group(0))
write("dkim", sorted(dkim) + hand("dkim"))

for target in ("smtp_json", "headers", "dmarc", "reply"):
    write(target, hand(target))
