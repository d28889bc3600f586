"""The ceiling: a bare Falcon app answering a constant small JSON body, served by waitress
with the same settings as `goldenrecord serve`. Run: python benchmarks/ceiling_app.py PORT THREADS"""
import sys

import falcon
import waitress


class Constant:
    def on_get(self, req, resp):
        resp.media = {"success": True, "data": {"id": "550e8400-e29b-41d4-a716-446655440000"}}


app = falcon.App()
app.add_route("/x", Constant())
app.add_route("/healthz", Constant())

if __name__ == "__main__":
    waitress.serve(app, host="127.0.0.1", port=int(sys.argv[1]), threads=int(sys.argv[2]),
                   ident="ceiling", _quiet=True)
