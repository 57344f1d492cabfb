"""ParkPact: contracting, supervision and payment of outsourced park services."""
