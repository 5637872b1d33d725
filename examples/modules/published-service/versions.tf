terraform {
  required_version = ">= 1.11"
  required_providers {
    catalog = {
      source  = "opencatalog/catalog"
      version = ">= 0.1.0"
    }
  }
}
