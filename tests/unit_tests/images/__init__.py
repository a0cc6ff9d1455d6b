"""Tests of the image pipeline: policy, sources, SSRF-safe fetcher, preprocessing."""
