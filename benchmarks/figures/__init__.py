"""The figures, grouped by how they are measured. Each `measure_*` function takes the run's
`Context` and returns table rows."""
