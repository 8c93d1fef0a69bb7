#!/bin/sh
# cloudscheduler demo 3 payload: says goodbye from the worker that ran it.
echo "Goodbye, ${1:-world}, from $(hostname)"
