"""The platform's vocabulary: paths, days, the stage table, the warehouse roles, a run's world
and plan, and the errors a run stops on. Plain values: it imports nothing else of ``include``,
and everything else of the platform may import it."""
