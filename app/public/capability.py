"""What the public site plugs in: its pages (the delay-status page shows one applicant's case) and its
command line."""

from __future__ import annotations

from app.core.capabilities import Capability
from app.public.commands import public_cli
from app.public.views import public

CAPABILITY = Capability(
    public_pages=("public",),
    name="public",
    blueprints=(public.bp,),
    commands=(public_cli,),
    private_pages=("public.delay_status",),
)
