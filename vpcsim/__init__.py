"""vpcsim."""
