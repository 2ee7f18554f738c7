"""The workflows, one package each: aggregate, Application, time limits, projector, router, masker,
event contract and spec. `xborder.workflows.registry.WORKFLOWS` lists them. Packages are kept free
of imports here so that importing a workflow's aggregate does not load the whole service."""
