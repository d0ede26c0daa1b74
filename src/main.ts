#!/usr/bin/env node
import { Command } from 'commander';

const program = new Command('meridian').description('Meridian: spatial data for AI platforms over MCP');
program.parseAsync(process.argv);
