#!/bin/bash
# cloudscheduler demo payload (demo-1.job): compute pi to $1 decimal places with bc,
# then (optionally) sleep $2 seconds so the job stays in the running state.
echo "scale=${1:-1000}; 4*a(1)" | bc -l
sleep "${2:-0}"
