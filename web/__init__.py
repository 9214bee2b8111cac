"""Human interface: HTML pages and the Leaflet map."""
