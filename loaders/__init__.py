"""zeren.loaders — sources into the graph: rulebooks, assignment lists, findings."""
