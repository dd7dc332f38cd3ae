"""`manage.py render_nginx_conf --out DIR`: the nginx edge for this machine's settings.

Writes DIR/nginx.conf and DIR/streamify/*.conf from docker/nginx/ (see apps/playback/streaming/edge.py),
ready for `nginx -p DIR -c nginx.conf -e stderr -g 'daemon off;'` as any user. `--print-env`
prints the STREAMIFY_* values instead, for the official nginx image's envsubst (docker compose).
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.playback.streaming.edge import EdgeConfigError, EdgeOptions, edge_variables, render_edge


class Command(BaseCommand):
    help = "Render the nginx edge (signed stream URLs, the stream cache, the app proxy) from settings."

    def add_arguments(self, parser: CommandParser) -> None:
        defaults = EdgeOptions()
        parser.add_argument("--out", type=Path, default=Path("var/nginx"), help="The nginx prefix to write into.")
        parser.add_argument("--listen", default=defaults.listen, help="The edge address or port (default %(default)s).")
        parser.add_argument("--app", default=defaults.app_upstream, help="The app address (default %(default)s).")
        parser.add_argument(
            "--origin-port", type=int, default=defaults.origin_port, help="The local-files origin's port on 127.0.0.1."
        )
        parser.add_argument("--workers", default=defaults.workers, help="nginx worker processes (default %(default)s).")
        parser.add_argument("--cache-max-size", default=defaults.cache_max_size, help="The stream cache's size cap.")
        parser.add_argument(
            "--country-from",
            default="",
            help="An nginx variable with the listener's country (e.g. $geoip2_data_country_code); "
            "by default the app gets no country header from the edge.",
        )
        parser.add_argument("--print-env", action="store_true", help="Print STREAMIFY_*=value lines and write nothing.")

    def handle(self, *args, **options) -> None:
        edge = EdgeOptions(
            listen=options["listen"],
            app_upstream=options["app"],
            origin_port=options["origin_port"],
            workers=options["workers"],
            cache_max_size=options["cache_max_size"],
            country_from=options["country_from"],
        )
        try:
            if options["print_env"]:
                values = edge_variables(prefix=options["out"].resolve(), options=edge)
                self.stdout.write("\n".join(f"{name}={value}" for name, value in values.items()))
                return
            main = render_edge(out_dir=options["out"], options=edge)
        except EdgeConfigError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"nginx edge rendered: {main} (run: nginx -p {main.parent} -c nginx.conf)")
