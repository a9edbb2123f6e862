package dev.ordinal;
class Placeholder {}
