#!/bin/sh
# The tests install this as a provided.al2023 bootstrap with mode 0644:
# Lambda cannot execute it (Runtime.InvalidEntrypoint).
echo "this bootstrap must never run" >&2
exit 1
