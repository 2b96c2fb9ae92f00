"""daihou package."""
