"""The two-week audit inventory: every AI integration, tagging coverage, untagged pools and their code.

    prepare_billing(paths, workdir) -> PreparedBilling          native exports are converted on the way
    build_inventory(repos, data, allocation, reconciliation, policy) -> Inventory
Renderers: INVENTORY_RENDERERS in auditor.inventory.registry (markdown, json, html).
"""
