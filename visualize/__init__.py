"""zeren.visualize — Graphviz diagrams of what the queries answer."""
