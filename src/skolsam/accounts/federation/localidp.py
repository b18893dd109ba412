"""Run real identity providers on 127.0.0.1 for the tests and the demo (never in production).

- SimpleSAMLphp (Debian's package, served by `php -S` from its www/ directory) as the SAML
  IdP of both federations, with test users whose attributes are those Sweden Connect and
  Skolfederation release: personalIdentityNumber, eduPersonPrincipalName, givenName, sn.
  A user with a personnummer is asserted at LoA3, as an e-ID login is.
- oidc-provider-mock as the OpenID provider, its users carrying the Swedish profile's
  personnummer claim.

Each writes its configuration into a directory of its own; the processes are stopped with
`stop()`.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from skolsam.accounts.federation.keys import certificate_body, self_signed_pair

SIMPLESAMLPHP_DIR = Path(os.environ.get("SKOLSAM_SIMPLESAMLPHP_DIR", "/usr/share/simplesamlphp"))
DEBIAN_PACKAGES = "xmlsec1 php-cli php-xml php-mbstring simplesamlphp"
INSTALL_HINT = f"apt-get install -y {DEBIAN_PACKAGES}"
LOA3 = "http://id.elegnamnden.se/loa/1.0/loa3"
URI_FORMAT = "urn:oasis:names:tc:SAML:2.0:attrname-format:uri"


@dataclass(frozen=True)
class IdpUser:
    username: str
    password: str
    given_name: str
    family_name: str
    civic_no: str = ""
    eppn: str = ""

    def saml_attributes(self) -> dict[str, list[str]]:
        attributes = {
            "urn:oid:2.5.4.42": [self.given_name],
            "urn:oid:2.5.4.4": [self.family_name],
        }
        if self.civic_no:
            attributes["urn:oid:1.2.752.29.4.13"] = [self.civic_no]
        if self.eppn:
            attributes["urn:oid:1.3.6.1.4.1.5923.1.1.1.6"] = [self.eppn]
        return attributes

    def oidc_claims(self) -> dict[str, Any]:
        claims: dict[str, Any] = {
            "sub": self.username,
            "given_name": self.given_name,
            "family_name": self.family_name,
            "name": f"{self.given_name} {self.family_name}",
        }
        if self.civic_no:
            claims["https://id.oidc.se/claim/personalIdentityNumber"] = self.civic_no
        return claims


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def missing_packages() -> list[str]:
    """Name what the SAML IdP and service provider need and this machine lacks."""
    missing = []
    if not shutil.which("xmlsec1"):
        missing.append("xmlsec1")
    if not shutil.which("php"):
        missing.append("php-cli")
    if not (SIMPLESAMLPHP_DIR / "www" / "index.php").exists():
        missing.append("simplesamlphp")
    return missing


def _wait_for(url: str, process: subprocess.Popen[bytes], seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} stopped with code {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {seconds} seconds")


def _php(value: Any) -> str:
    """Write a Python value as a PHP literal (strings, numbers, booleans, lists, dicts)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_php(v) for v in value) + "]"
    if isinstance(value, dict):
        return "[" + ", ".join(f"{_php(k)} => {_php(v)}" for k, v in value.items()) + "]"
    raise TypeError(type(value))


@dataclass
class SimpleSamlPhp:
    """SimpleSAMLphp as a SAML IdP on 127.0.0.1:`port`, configured in `directory`."""

    directory: Path
    port: int
    users: list[IdpUser]
    process: subprocess.Popen[bytes] | None = None
    service_providers: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def metadata_url(self) -> str:
        return f"{self.base_url}/saml2/idp/metadata.php"

    @property
    def entity_id(self) -> str:
        return self.metadata_url

    @property
    def key_file(self) -> Path:
        return self.directory / "cert" / "idp.key"

    @property
    def cert_file(self) -> Path:
        return self.directory / "cert" / "idp.crt"

    def add_service_provider(
        self,
        entity_id: str,
        acs_urls: list[str],
        *,
        slo_urls: list[str] | None = None,
        cert_file: Path | None = None,
    ) -> None:
        """Trust a service provider: its entity id, where responses may be posted, where
        logout messages go, and the certificate its AuthnRequests and logout messages must
        be signed with (with one, unsigned ones are refused)."""
        known = self.service_providers.setdefault(entity_id, {"acs": [], "slo": [], "cert": ""})
        known["acs"].extend(url for url in acs_urls if url not in known["acs"])
        known["slo"].extend(url for url in slo_urls or [] if url not in known["slo"])
        if cert_file is not None:
            known["cert"] = certificate_body(cert_file)
        # Read by saml20-sp-remote.php on every request: no restart needed.
        (self.directory / "metadata" / "sps.json").write_text(json.dumps(self.service_providers))

    def write_config(self) -> None:
        d = self.directory
        for sub in ("cert", "metadata", "log", "tmp", "data", "sessions"):
            (d / sub).mkdir(parents=True, exist_ok=True)
        self_signed_pair(self.key_file, self.cert_file, common_name="Skolsam local IdP")
        config = {
            "baseurlpath": f"{self.base_url}/",
            "certdir": f"{d / 'cert'}/",
            "loggingdir": f"{d / 'log'}/",
            "datadir": f"{d / 'data'}/",
            "tempdir": str(d / "tmp"),
            "technicalcontact_name": "Skolsam",
            "technicalcontact_email": "skolsam@example.invalid",
            "secretsalt": os.urandom(16).hex(),
            "auth.adminpassword": os.urandom(16).hex(),
            "admin.protectindexpage": True,
            "admin.protectmetadata": False,
            "timezone": "Europe/Stockholm",
            "language.default": "sv",
            "enable.saml20-idp": True,
            "enable.shib13-idp": False,
            "module.enable": {"exampleauth": True, "core": True, "saml": True, "admin": True},
            "store.type": "phpsession",
            "session.phpsession.cookiename": "SimpleSAMLSession",
            "session.phpsession.savepath": str(d / "sessions"),
            "session.cookie.name": "SimpleSAMLSessionID",
            "session.cookie.secure": False,
            "session.cookie.samesite": "Lax",
            "logging.handler": "file",
            "logging.logfile": "simplesamlphp.log",
            "metadata.sources": [{"type": "flatfile", "directory": str(d / "metadata")}],
            "trusted.url.domains": ["127.0.0.1", "localhost"],
        }
        (d / "config.php").write_text(
            "<?php\n$config = " + _php(config) + ";\n"
            "$config['logging.level'] = SimpleSAML\\Logger::NOTICE;\n"
        )
        users = {f"{u.username}:{u.password}": u.saml_attributes() for u in self.users}
        demo_users: dict[Any, Any] = {0: "exampleauth:UserPass", **users}
        sources = {"admin": ["core:AdminPassword"], "demo-users": demo_users}
        (d / "authsources.php").write_text("<?php\n$config = " + _php(sources) + ";\n")
        # A user with a personnummer logs in as with an e-ID: the assertion says LoA3.
        set_loa = (
            "if (isset($attributes['urn:oid:1.2.752.29.4.13'])) "
            f"{{ $state['saml:AuthnContextClassRef'] = '{LOA3}'; }}"
        )
        idp_hosted = {
            "host": "__DEFAULT__",
            "privatekey": str(self.key_file),
            "certificate": str(self.cert_file),
            "auth": "demo-users",
            "attributes.NameFormat": URI_FORMAT,
            "sign.logout": True,
            "authproc": {90: {"class": "core:PHP", "code": set_loa}},
        }
        (d / "metadata" / "saml20-idp-hosted.php").write_text(
            "<?php\n$metadata['__DYNAMIC:1__'] = " + _php(idp_hosted) + ";\n"
        )
        (d / "metadata" / "saml20-sp-remote.php").write_text(
            "<?php\n"
            "$sps = json_decode(file_get_contents(__DIR__ . '/sps.json'), true) ?: [];\n"
            "foreach ($sps as $entityId => $sp) {\n"
            "    $acs = [];\n"
            "    foreach ($sp['acs'] as $i => $url) {\n"
            "        $acs[] = ['Binding' => 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST',"
            " 'Location' => $url, 'index' => $i];\n"
            "    }\n"
            "    $slo = [];\n"
            "    foreach ($sp['slo'] as $url) {\n"
            "        $slo[] = ['Binding' => 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect',"
            " 'Location' => $url];\n"
            "    }\n"
            "    $metadata[$entityId] = ['AssertionConsumerService' => $acs,"
            " 'SingleLogoutService' => $slo,"
            f" 'attributes.NameFormat' => '{URI_FORMAT}',"
            " 'NameIDFormat' => 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient'];\n"
            "    if ($sp['cert']) {\n"
            "        $metadata[$entityId]['certData'] = $sp['cert'];\n"
            "        $metadata[$entityId]['validate.authnrequest'] = true;\n"
            "        $metadata[$entityId]['validate.logout'] = true;\n"
            "    }\n"
            "}\n"
        )
        if not (d / "metadata" / "sps.json").exists():
            (d / "metadata" / "sps.json").write_text(json.dumps(self.service_providers))

    def start(self) -> SimpleSamlPhp:
        self.write_config()
        env = {**os.environ, "SIMPLESAMLPHP_CONFIG_DIR": str(self.directory)}
        log = (self.directory / "log" / "php-server.log").open("ab")
        self.process = subprocess.Popen(  # noqa: S603 - fixed arguments
            [
                shutil.which("php") or "php",
                "-S",
                f"127.0.0.1:{self.port}",
                "-t",
                str(SIMPLESAMLPHP_DIR / "www"),
            ],
            cwd=SIMPLESAMLPHP_DIR / "www",
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        _wait_for(self.metadata_url, self.process)
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()


@dataclass
class OidcProvider:
    """oidc-provider-mock on 127.0.0.1:`port`, with predefined users."""

    port: int
    users: list[IdpUser]
    process: subprocess.Popen[bytes] | None = None

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, log_file: Path | None = None) -> OidcProvider:
        args = [sys.executable, "-m", "oidc_provider_mock", "-p", str(self.port), "-n", "true"]
        for user in self.users:
            args += ["--user-claims", json.dumps(user.oidc_claims())]
        out = log_file.open("ab") if log_file else subprocess.DEVNULL
        self.process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
        _wait_for(f"{self.issuer}/.well-known/openid-configuration", self.process)
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
