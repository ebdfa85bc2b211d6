"""The inventory: vCenter's tree of managed entities, one module per managed type.

``tree.Inventory`` holds the tree and places objects where vCenter would; ``properties`` types
what fixtures say by vim path; ``search_index`` finds entities as vim.SearchIndex does.
"""
