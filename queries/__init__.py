"""zeren.queries — role paths, liability traces and rule checks over a store."""
