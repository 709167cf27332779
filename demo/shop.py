"""A small demo service for coldbpf: an order pipeline with a hot spot
(price computation), warm code (validation, tax), and code that never runs
(refunds). `make demo` profiles it; the heatmap shows which is which."""
import hashlib
import json
import random
import sys
import time


class Catalog:
    def __init__(self, n):
        rng = random.Random(7)
        self.items = {i: round(rng.uniform(1, 100), 2) for i in range(n)}

    def price(self, item, qty):
        # deliberately slow: a per-unit discount curve
        total = 0.0
        for k in range(qty * 40):
            total += self.items[item] * (1.0 - min(k, 300) / 10000.0)
        return total / 40


def validate(order):
    return all(isinstance(v, int) and v > 0 for v in order["lines"].values())


def tax(amount, region):
    rates = {"eu": 0.2, "us": 0.07, "uk": 0.2}
    return amount * rates.get(region, 0.0)


def receipt(order, amount):
    body = json.dumps({"id": order["id"], "amount": round(amount, 2)}, sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()


def refund(order):  # never called: `coldbpf cold` and `coldbpf html` show it as dead
    return {"id": order["id"], "refunded": True}


def handle(catalog, order):
    if not validate(order):
        raise ValueError("bad order")
    amount = sum(catalog.price(i, q) for i, q in order["lines"].items())
    amount += tax(amount, order["region"])
    return receipt(order, amount)


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 5.0
    catalog = Catalog(500)
    rng = random.Random(1)
    end, n = time.monotonic() + seconds, 0
    while time.monotonic() < end:
        order = {"id": n, "region": rng.choice(["eu", "us", "uk"]),
                 "lines": {rng.randrange(500): rng.randint(1, 5) for _ in range(3)}}
        handle(catalog, order)
        n += 1
    print("demo: handled %d orders in %.0f s" % (n, seconds), file=sys.stderr)


if __name__ == "__main__":
    main()
