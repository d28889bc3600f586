"""Generated organizations as NDJSON, for timing `goldenrecord import` (issue 17).

    python benchmarks/gen_organizations.py --count 1000000 > /tmp/orgs1m.ndjson
    /usr/bin/time -v python goldenrecord.py --db /tmp/orgs1m.db import /tmp/orgs1m.ndjson \\
        --kind organizations --batch-size 1000 --quiet

Seeded, so every run writes the same file. Each line is what `POST /organizations` takes:
a name of four words (three of a 20,000-word vocabulary made of syllables, as
bench_search.py makes them, and a company suffix), its slug (the words joined by `-`, with
a number only when taken), a domain of its first word (`.com`) and a little metadata. So
once the vocabulary is indexed, an organization brings no new term. With
`--new-domains` the domain is the first two words run together instead: a new term for
nearly every organization (as real domains are), each with its typo variants, about 100
rows for these 12-16 letter words: the typo index's worst case for an import.
"""
import argparse
import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_search import SUFFIXES, words  # noqa: E402

REGIONS = ("emea", "amer", "apac")


def organizations(count, new_domains=False, seed=7):
    """`count` organization create bodies."""
    rng = random.Random(seed)
    vocabulary = words(rng, 20_000)
    slugs = set()
    for i in range(count):
        chosen = rng.sample(vocabulary, 3)
        slug = "-".join(chosen).lower()
        if slug in slugs:
            slug = f"{slug}-{i}"
        slugs.add(slug)
        domain = "".join(chosen[:2]) if new_domains else chosen[0]
        yield {"name": " ".join(chosen + [rng.choice(SUFFIXES)]), "slug": slug,
               "domain": f"{domain}.com".lower(),
               "metadata": {"tier": rng.randint(1, 3), "region": rng.choice(REGIONS)}}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--new-domains", action="store_true",
                        help="a domain made of two words: a new indexed term for each")
    args = parser.parse_args()
    out = sys.stdout
    for body in organizations(args.count, args.new_domains):
        out.write(json.dumps(body, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
