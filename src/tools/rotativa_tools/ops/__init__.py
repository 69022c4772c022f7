"""What an operator runs against a stack, local or deployed, beside the CLI that wraps it.

`target` finds the stack a command talks to (a running `rotativa dev` or one on AWS, both
described by the template's Outputs); `status` reads its queues, dead letters, rejections
and schedules; `redrive` moves dead letters back once the fault is gone.
"""
